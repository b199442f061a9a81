/**
 * @module component/compile
 * Compiles a component's core modules at load, lazily (V8's default) or, with
 * `RUSM_COMPILE=eager`, with every function compiled before rusm listens.
 *
 * V8 compiles wasm lazily (`--wasm-lazy-compilation`): `WebAssembly.compile` validates, and each
 * function is compiled (Liftoff) on its first call, on the thread that calls it. For
 * StarlingMonkey's engine the first request compiles ~150 functions (~240 KB of code) on the
 * worker's event loop; after that no request compiles anything (the compiled code is shared by
 * every worker thread of the process). Eager compilation moves that work to load: every
 * function (~12,700 for StarlingMonkey) is compiled on V8's background threads before
 * `WebAssembly.compile` resolves, and dynamic tier-up (hot functions recompiled with TurboFan)
 * works as before.
 *
 * It is not the default because it makes every later instantiation of a big module dearer:
 * with code for all of its functions, each StarlingMonkey instance costs V8 about twice the CPU
 * (mostly full GCs, one per instantiation or so) and a request ~2x the CPU
 * (docs/fast-path.md has the figures). For a small module it changes nothing either way.
 *
 * V8 flags are per process, not per thread, so the choice is made once, when this module is first
 * imported (in the main thread, before any worker starts), and holds for every worker thread;
 * V8's native module cache (per process, keyed by the bytes) gives workers after the first the
 * module it compiled.
 */
import { setFlagsFromString } from "node:v8";

/** How core modules are compiled: `RUSM_COMPILE=eager`, else V8's lazy default. */
export const COMPILE_MODE: "lazy" | "eager" =
  process.env.RUSM_COMPILE === "eager" ? "eager" : "lazy";

if (COMPILE_MODE === "eager") setFlagsFromString("--no-wasm-lazy-compilation");

/**
 * Compiles `bytes` (every function included when {@link COMPILE_MODE} is eager).
 *
 * Node keeps no handle on the event loop for V8's background compilation: without one, a worker
 * thread whose only pending work is an eager compile exits (code 0) before the promise settles,
 * and so does the main thread. A timer keeps the loop alive until it does.
 */
export async function compileModule(bytes: Uint8Array): Promise<WebAssembly.Module> {
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    return await WebAssembly.compile(bytes);
  } finally {
    clearInterval(keepAlive);
  }
}
