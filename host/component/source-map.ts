/**
 * @module component/source-map
 * Where a TypeScript guest's code came from. `rusm build` bundles a guest into one module,
 * `guest.js`, so StarlingMonkey's stack traces say `guest.js:LINE:COL`; the build stores the
 * bundle's source map in the component (custom section {@link SOURCE_MAP_SECTION}), and rusm
 * rewrites those positions to the author's `file:line:col` in build errors and in the log of
 * a crashed process.
 */
import { SourceMap, type SourceMapPayload } from "node:module";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { customSection } from "../wasm/binary.ts";

/** The custom section holding the bundle's source map (JSON, sources absolute). */
export const SOURCE_MAP_SECTION = "rusm:source-map";

/** The bundle's file name inside the component, as stack traces show it. */
export const BUNDLE_NAME = "guest.js";

// `guest.js:L:C` as a whole file name: at the start, after a space, `@` or `(`, or after a
// directory (`/tmp/x/guest.js:L:C`); never the tail of another name (`myguest.js`). QuickJS
// gives no column (`guest.js:L`).
const POSITION = /(?<=^|[\s@(])(?:[\w./-]*\/)?guest\.js:(\d+)(?::(\d+))?/g;

/** A path relative to the working directory when it is inside it, else absolute. */
export function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

/**
 * Rewrites every `guest.js:LINE:COL` in `text` to the original `file:line:col`, and every
 * `guest.js:LINE` to `file:line` (the line of the last mapping on that bundle line).
 */
export function mapBundlePositions(text: string, map: SourceMap): string {
  return text.replace(POSITION, (whole, line: string, col: string | undefined) => {
    const origin = map.findOrigin(Number(line), col === undefined ? 1e9 : Number(col));
    if (!("fileName" in origin)) return whole;
    const file = origin.fileName.startsWith("file://")
      ? fileURLToPath(origin.fileName)
      : origin.fileName;
    const where = `${shownPath(file)}:${origin.lineNumber}`;
    return col === undefined ? where : `${where}:${origin.columnNumber}`;
  });
}

/** The source map a component carries, or null (not built by `rusm build`, or unreadable). */
export function readSourceMap(component: Uint8Array): SourceMap | null {
  const payload = customSection(component, SOURCE_MAP_SECTION);
  if (payload === null) return null;
  try {
    return new SourceMap(JSON.parse(Buffer.from(payload).toString("utf8")) as SourceMapPayload);
  } catch {
    // A damaged map only costs the mapping: the component still serves.
    return null;
  }
}
