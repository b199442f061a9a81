/**
 * @module preempt/load
 * Instrumenting a component's core modules at load, once, cached on disk beside the transpile
 * cache (`<cacheDir>/preempt/`), keyed by the module's bytes, the placement and the rewriter's
 * own source, so a changed rewriter never serves a stale module.
 *
 * And the imports an instrumented module gets: `rusm:preempt` `tick` (plain), `yield` (JSPI
 * `Suspending`) and, for kill-only checks, the thread's kill `flag` (preempt/runtime).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PreemptPlacement } from "../config/types.ts";
import { HANDLE_CORE_EXPORT, suspending } from "../wasi/jspi.ts";
import { instrumentModule } from "./instrument.ts";
import { PREEMPT_MODULE } from "./runtime.ts";

/** How a component's core modules were instrumented. */
export interface PreemptPlan {
  readonly placement: PreemptPlacement;
  /** True when its modules carry checks (and import `rusm:preempt`). */
  readonly instrumented: boolean;
  /** True when the checks include kill-only ones (they import the thread's kill flag). */
  readonly killChecks: boolean;
  /** Why the configured placement is not in effect (the rewriter refused a module). */
  readonly problem?: string | undefined;
}

/** The placement when none is configured (config/schema's default). */
export const UNINSTRUMENTED: PreemptPlan = {
  placement: "none",
  instrumented: false,
  killChecks: false,
};

/** This folder's files that are not the rewriter (they do not change what it writes). */
const HOST_SIDE = new Set(["load.ts", "runtime.ts", "kill-flag.ts"]);

let recipe: Promise<string> | undefined;

/** A hash of the rewriter's sources: part of every cache key. */
function rewriterRecipe(): Promise<string> {
  recipe ??= (async () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const hash = createHash("sha256");
    const files = (await readdir(dir))
      .filter((f) => f.endsWith(".ts") && !/\.test(-support)?\.ts$/.test(f) && !HOST_SIDE.has(f))
      .sort();
    for (const file of files) hash.update(file).update(await readFile(join(dir, file)));
    return hash.digest("hex").slice(0, 16);
  })();
  return recipe;
}

/**
 * The module with preemption checks, from the cache or made now. Throws the rewriter's error
 * for a module it cannot instrument (an opcode it does not know).
 */
export async function instrumentCached(
  bytes: Uint8Array,
  placement: Exclude<PreemptPlacement, "none">,
  cacheDir: string | null,
): Promise<Uint8Array> {
  const key = createHash("sha256")
    .update(`${placement}\0${await rewriterRecipe()}\0`)
    .update(bytes)
    .digest("hex");
  const file = cacheDir === null ? null : join(cacheDir, "preempt", `${key}.wasm`);
  if (file !== null) {
    const cached = await readFile(file).catch(() => null);
    if (cached !== null) return new Uint8Array(cached);
  }
  const out = instrumentModule(bytes, {
    placement,
    // Only checks under the export rusm calls with `WebAssembly.promising` may yield.
    entryExport: (name) => HANDLE_CORE_EXPORT.test(name),
  }).bytes;
  if (file !== null) {
    // Written aside and renamed: a concurrent start (another worker) never reads half a file.
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, out);
    await rename(temp, file);
  }
  return out;
}

/**
 * The `rusm:preempt` import object of one core instance, from a process's import namespace
 * (plain functions: `tick`, `yield`, and `flag` when there are kill-only checks).
 */
export function preemptCoreImports(host: Record<string, object>): Record<string, unknown> {
  const ns = host[PREEMPT_MODULE] as
    | { tick: () => number; yield: () => number | Promise<number>; flag?: WebAssembly.Memory }
    | undefined;
  if (ns === undefined) throw new Error("an instrumented module needs the rusm:preempt imports");
  return {
    tick: ns.tick,
    yield: suspending(ns.yield),
    ...(ns.flag === undefined ? {} : { flag: ns.flag }),
  };
}
