/**
 * @module wasi/blocking
 * The one way a blocking host call ends: through a real wait (the process parked), or through
 * the fairness yield ({@link WasiContext.resume}), whether it succeeded or failed.
 *
 * Every JSPI import resumes its guest on a microtask. A guest whose blocking calls never have
 * to wait (a full channel that keeps draining, or a closed stream it keeps writing to after
 * every write failed) would run on microtasks only and starve every timer and socket,
 * including the timer that kills it after its client left. So a call that did not park goes
 * through `resume()` on every exit path.
 */
import type { WasiContext } from "./context.ts";

/** Parks the process until `p` settles (the call then counts as having waited). */
export type Wait = <U>(p: Promise<U>) => Promise<U>;

/**
 * Runs the body of a blocking call. `body` parks with `wait`; if it never did, the call
 * returns (or throws) through `ctx.resume()`.
 */
export async function blockingCall<T>(
  ctx: WasiContext,
  body: (wait: Wait) => T | Promise<T>,
): Promise<T> {
  let parked = false;
  const wait: Wait = (p) => {
    parked = true;
    return ctx.park(p);
  };
  let result: T;
  try {
    result = await body(wait);
  } catch (err) {
    if (!parked) await ctx.resume();
    throw err;
  }
  if (!parked) await ctx.resume();
  return result;
}
