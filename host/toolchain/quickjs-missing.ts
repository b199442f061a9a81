/**
 * @module toolchain/quickjs-missing
 * The Web APIs StarlingMonkey has and the QuickJS backend's platform layer
 * (sdk/ts/quickjs/platform/) does not, and where a guest's bundle names one as a global. Used
 * inside a handler, such a name throws `ReferenceError` only when a request reaches it, so
 * `rusm build --engine quickjs` warns at build time, at the author's file:line:column. A
 * warning, not an error: the scan is lexical (a guarded `typeof crypto !== "undefined"` or a
 * local variable of the same name is reported too).
 */
import type { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { shownPath } from "../component/source-map.ts";

/** Globals a guest might use that QuickJS's platform layer does not define. */
export const QUICKJS_MISSING_GLOBALS = [
  "crypto",
  "Intl",
  "fetch",
  "Blob",
  "File",
  "FormData",
  "structuredClone",
  "AbortController",
  "AbortSignal",
  "atob",
  "btoa",
  "performance",
  "WritableStream",
  "TransformStream",
  "TextDecoderStream",
  "TextEncoderStream",
  "CompressionStream",
  "DecompressionStream",
  "WebSocket",
  "navigator",
] as const;

// A name standing alone: not a property (`x.fetch`), a longer name, or a string's content.
const USE = new RegExp(
  `(?<![\\w$.'"\`])(${QUICKJS_MISSING_GLOBALS.join("|")})(?![\\w$'"\`:])`,
  "g",
);

/** Files of rusm itself in the bundle (the SDK runtime, the platform layer): not reported. */
const RUSM_GUEST_DIR = fileURLToPath(new URL("../../sdk/ts/", import.meta.url));

export interface MissingGlobal {
  name: string;
  /** The author's file (as shown: relative to the working directory when inside it). */
  file: string;
  line: number;
  column: number;
}

/**
 * The first use of each missing global in `code` (the bundle) that maps to a file of the
 * guest's (its own or a dependency's), in the order found.
 */
export function findMissingGlobals(code: string, map: SourceMap): MissingGlobal[] {
  const found = new Map<string, MissingGlobal>();
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i]!.matchAll(USE)) {
      const name = m[1]!;
      if (found.has(name)) continue;
      const origin = map.findOrigin(i + 1, m.index + 1);
      if (!("fileName" in origin)) continue;
      const file = origin.fileName.startsWith("file://")
        ? fileURLToPath(origin.fileName)
        : origin.fileName;
      if (file.startsWith(RUSM_GUEST_DIR)) continue;
      found.set(name, {
        name,
        file: shownPath(file),
        line: origin.lineNumber,
        column: origin.columnNumber,
      });
    }
  }
  return [...found.values()];
}
