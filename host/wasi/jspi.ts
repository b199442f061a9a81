/**
 * @module wasi/jspi
 * JSPI facts the host relies on, in one place.
 *
 * jco's glue, or rusm's own lean ABI ({@link suspending}, {@link promising}), wraps rusm's
 * blocking imports in `WebAssembly.Suspending` and the guest's `handle` export in
 * `WebAssembly.promising`; this module is the only host code that looks at those globals.
 * A `Suspending` import that returns a plain value (it did not wait) does not suspend. A suspended guest resumes when the promise its import returned settles, in a
 * microtask. So a guest whose blocking calls never really wait (a fast consumer, a ready
 * pollable) would run on microtasks forever and starve timers and sockets: {@link fairResume}
 * makes it yield to the event loop once per {@link SLICE_MS} of guest time.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * The core export of `wasi:http/incoming-handler#handle`: the one rusm calls under
 * `WebAssembly.promising` (the lean ABI calls it; preemption lets only its checks yield).
 */
export const HANDLE_CORE_EXPORT = /^wasi:http\/incoming-handler@0\.2\.\d+#handle$/;

/** Guest time between two forced trips through the event loop. */
export const SLICE_MS = 5;

/** True when this V8 has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function hasJspi(): boolean {
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  return typeof wasm.Suspending === "function" && typeof wasm.promising === "function";
}

let sliceStart = 0;
let turnMarkPending = false;

function markTurn(): void {
  turnMarkPending = false;
}

/**
 * What a blocking import does when it did not have to wait: `undefined` (go on at once) unless
 * the event loop has not turned for a full slice, in which case a promise that resolves after
 * one turn (`setImmediate`: timers, I/O and other processes run first).
 */
export function fairResume(): Promise<void> | undefined {
  const now = performance.now();
  if (!turnMarkPending) {
    // No mark pending means the loop turned since the last call: a new slice starts now, and a
    // setImmediate marks the next turn.
    turnMarkPending = true;
    sliceStart = now;
    setImmediate(markTurn);
    return undefined;
  }
  if (now - sliceStart < SLICE_MS) return undefined;
  return nextTurn();
}

/**
 * True when guests have run for a full slice without the event loop turning: what a host call
 * checks on its return, so that a guest looping over slow host calls (which its fuel, earned on
 * fast iterations, would let run for seconds) is made to yield at its next check. Starts a
 * slice when none runs, as {@link fairResume} does.
 */
export function sliceSpent(): boolean {
  const now = performance.now();
  if (!turnMarkPending) {
    turnMarkPending = true;
    sliceStart = now;
    setImmediate(markTurn);
    return false;
  }
  return now - sliceStart >= SLICE_MS;
}

interface Jspi {
  Suspending: new (fn: (...args: never[]) => unknown) => object;
  promising: <F extends (...args: never[]) => unknown>(fn: F) => F;
}

/** A JSPI import: `fn` may return a promise (the guest then suspends) or a value (it does not). */
export function suspending(fn: (...args: never[]) => unknown): object {
  return new (WebAssembly as unknown as Jspi).Suspending(fn);
}

/** A JSPI export: the call returns a promise, and the guest may suspend under it. */
export function promising<A extends unknown[]>(
  fn: (...args: A) => unknown,
): (...args: A) => Promise<unknown> {
  return (WebAssembly as unknown as Jspi).promising(fn as never);
}
