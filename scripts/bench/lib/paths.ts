/**
 * @module scripts/bench/lib/paths
 * Where the benchmarks find rusm, its guests and its Node.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TsEngine } from "./report.ts";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** rusm's entry point (`bin: rusm`). */
export const RUSM_BIN = join(ROOT, "bin", "rusm.mjs");

/** The Node running the benchmarks (the project's Node 24 under `npm run bench`). */
export const NODE = process.execPath;

/** Absolute path of a guest built by `npm run build:guests`; throws when it is missing. */
export function guestPath(name: string): string {
  const path = join(ROOT, "build", "guests", `${name}.wasm`);
  if (!existsSync(path)) {
    throw new Error(`guest ${name} is not built (${path}): run \`npm run build:guests\` first`);
  }
  return path;
}

/**
 * A TypeScript guest built for `engine`: `<name>.wasm` (StarlingMonkey, `rusm build`'s
 * default) or `<name>.qjs.wasm` (QuickJS); throws when it is missing.
 */
export function tsGuestPath(name: string, engine: TsEngine): string {
  return guestPath(engine === "quickjs" ? `${name}.qjs` : name);
}
