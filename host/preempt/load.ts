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
import { HANDLE_CORE_EXPORT, sliceSpent, suspending } from "../wasi/jspi.ts";
import { FUEL_EXPORT, instrumentModule } from "./instrument.ts";
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

/** An instrumented core instance's imports with host-call checks, and where its fuel lands. */
export interface SliceChecked {
  readonly imports: WebAssembly.Imports;
  /** Call with the instance once made: the checks then reach its fuel global. */
  attach(instance: WebAssembly.Instance): void;
}

/** An exported wasm function: the JS API names it by its index ("12"). */
function isWasmFunction(fn: object): boolean {
  return /^\d+$/.test((fn as { name?: string }).name ?? "");
}

/**
 * Checks at host-call boundaries: wraps every function import of an instrumented core module
 * (not `rusm:preempt`'s, nor JSPI `Suspending` ones, which park or yield by themselves) so that
 * a host call returning when guests have run a full slice without the event loop turning sets
 * the instance's fuel to 0. Its next check then calls the host, which counts the CPU time (host
 * time included) against `max-cpu-ms` and yields. Without this, a loop of slow host calls (a
 * `fields.has` over a huge fields) runs on the fuel its fast iterations earned, for seconds.
 * Costs a closure per import per instance and a clock read per host call.
 */
export function withSliceChecks(imports: WebAssembly.Imports): SliceChecked {
  let fuel: WebAssembly.Global | null = null;
  const wrapped: WebAssembly.Imports = {};
  for (const [module, ns] of Object.entries(imports)) {
    if (module === PREEMPT_MODULE) {
      wrapped[module] = ns;
      continue;
    }
    const out: Record<string, WebAssembly.ImportValue> = {};
    for (const [name, value] of Object.entries(ns)) {
      // Not a host function: a memory, table or global; a JSPI `Suspending`; or another core
      // instance's export (jco links shim modules so). A JS frame around a wasm function would
      // sit between the promising export and a suspension below it (a `SuspendError`).
      if (typeof value !== "function" || isWasmFunction(value)) {
        out[name] = value;
        continue;
      }
      const call = value as (...args: unknown[]) => unknown;
      out[name] = function (this: unknown, ...args: unknown[]): unknown {
        const result = call.apply(this, args);
        if (fuel !== null && sliceSpent()) fuel.value = 0;
        return result;
      };
    }
    wrapped[module] = out;
  }
  return {
    imports: wrapped,
    attach(instance) {
      const global = instance.exports[FUEL_EXPORT];
      if (global instanceof WebAssembly.Global) fuel = global;
    },
  };
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
