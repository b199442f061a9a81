/**
 * @module toolchain/wat
 * Builds guests written in the WebAssembly text format with jco's wasm-tools.
 *
 * A WAT guest is a core module that imports WASI with the classic core names (module
 * `wasi:http/types@0.2.12`, field `[method]outgoing-response.body`) and exports
 * `wasi:http/incoming-handler@0.2.12#handle`, `memory` and `cabi_realloc`. It is turned into a
 * component in three steps: `parse` (text to core module), `componentEmbed` (attach the world's
 * WIT as a custom section) and `componentNew` (wrap the module in a component).
 */

import { componentEmbed, componentNew, parse } from "@bytecodealliance/jco";

import { RusmError } from "../errors.ts";
import { ensureToolPreopens } from "./preopens.ts";
import { composeWat, type WatSource } from "./wat-compose.ts";
import { HTTP_GUEST_WORLD, WIT_DIR } from "./wit.ts";

export type { WatSource } from "./wat-compose.ts";

/** Which world a WAT component is built against. */
export interface WitTarget {
  /** Absolute path of the WIT directory. Default: rusm's `wit/`. */
  witPath?: string;
  /** `namespace:package/world`; may be left out when the root package has a single world. */
  world?: string;
  /**
   * Adapters for `componentNew`, `[core import module, adapter module]`: each import module the
   * guest's module uses is served by the adapter's own core module (toolchain/preview1.ts).
   */
  adapters?: ReadonlyArray<readonly [string, Uint8Array]>;
}

const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const COMPONENT_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

function asList(sources: WatSource | readonly WatSource[]): readonly WatSource[] {
  return "text" in sources ? [sources] : sources;
}

function hasHeader(bytes: Uint8Array, header: readonly number[]): boolean {
  return header.every((b, i) => bytes[i] === b);
}

/** True when `bytes` start like a core wasm module. */
export function isCoreModule(bytes: Uint8Array): boolean {
  return hasHeader(bytes, MODULE_HEADER);
}

/** True when `bytes` start like a wasm component. */
export function isComponent(bytes: Uint8Array): boolean {
  return hasHeader(bytes, COMPONENT_HEADER);
}

/** The text of an error thrown by the wasm-tools component (a `ComponentError` or anything). */
function toolMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * wasm-tools reports text errors in Rust's debug format:
 * `Error { kind: Wast(Error { inner: ErrorInner { text: Some(Text { line: 3, col: 4, ... }) ...
 * kind: Custom("unknown operator or unexpected token") } }) }`. Picks out the 0-based position
 * and the message; anything else is returned whole.
 */
function parseErrorDetails(raw: string): { message: string; line?: number; col?: number } {
  const at = /line: (\d+), col: (\d+)/.exec(raw);
  const kind = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(raw);
  const message = kind?.[1]?.replace(/\\(.)/g, "$1") ?? raw;
  if (at === null) return { message };
  return { message, line: Number(at[1]), col: Number(at[2]) };
}

/**
 * Parses WAT into wasm bytes. One source is parsed as written (a `(module ...)` or
 * `(component ...)`); several are joined with {@link composeWat}, imports first.
 *
 * Errors: `RUSM_COMPONENT_INVALID` for text that does not parse, pointing at the source file,
 * line and column (1-based) it came from.
 */
export async function parseWat(sources: WatSource | readonly WatSource[]): Promise<Uint8Array> {
  await ensureToolPreopens();
  const list = asList(sources);
  const single = list.length === 1 ? list[0] : undefined;
  const composed = single
    ? {
        text: single.text,
        locate: (line: number, col: number) => ({ file: single.file, line, col }),
      }
    : composeWat(list);
  try {
    return await parse(composed.text);
  } catch (err) {
    const details = parseErrorDetails(toolMessage(err));
    const at =
      details.line === undefined ? undefined : composed.locate(details.line, details.col ?? 0);
    const files = list.map((s) => s.file).join(" + ");
    throw new RusmError(
      "RUSM_COMPONENT_INVALID",
      `${at ? "" : `${files}: `}invalid WAT: ${details.message}`,
      {
        where: at && { file: at.file, line: at.line + 1, column: at.col + 1 },
        cause: err,
      },
    );
  }
}

/**
 * Builds a component from WAT: parse, embed the world's WIT, wrap in a component (with
 * `target.adapters`, if any, as further core modules).
 *
 * @param sources one `(module ...)`, or module fields from several files ({@link parseWat}).
 * @param target default: rusm's `wit/` and {@link HTTP_GUEST_WORLD}, no adapter.
 *
 * Errors: `RUSM_COMPONENT_INVALID` when the text does not parse, or when the module does not
 * fit the world (an import the world lacks, a wrong signature), with wasm-tools' message.
 */
export async function buildWatComponent(
  sources: WatSource | readonly WatSource[],
  target: WitTarget = {},
): Promise<Uint8Array> {
  const binary = await parseWat(sources);
  const files = asList(sources)
    .map((s) => s.file)
    .join(" + ");
  if (isComponent(binary)) return binary;
  const witPath = target.witPath ?? WIT_DIR;
  const world = target.world ?? (target.witPath === undefined ? HTTP_GUEST_WORLD : undefined);
  try {
    const embedded = await componentEmbed({ binary, witPath, ...(world ? { world } : {}) });
    const adapters = target.adapters?.map(([name, bytes]): [string, Uint8Array] => [name, bytes]);
    return await componentNew(embedded, adapters);
  } catch (err) {
    throw new RusmError(
      "RUSM_COMPONENT_INVALID",
      `${files}: cannot make a component for world ${world ?? "(default)"} in ${witPath}: ${toolMessage(err)}`,
      { cause: err },
    );
  }
}

/**
 * Builds a plain core module from WAT (a "not a component" fixture).
 *
 * Errors: `RUSM_COMPONENT_INVALID` when the text does not parse or describes a component.
 */
export async function buildCoreModule(source: WatSource): Promise<Uint8Array> {
  const binary = await parseWat(source);
  if (!isCoreModule(binary)) {
    throw new RusmError("RUSM_COMPONENT_INVALID", `${source.file}: expected a core (module ...)`);
  }
  return binary;
}
