/**
 * @module wasi/blocking
 * The one way a blocking host call ends: through a real wait (the process parked), or through
 * the fairness check ({@link WasiContext.resume}), whether it succeeded or failed.
 *
 * A call that does not have to wait returns its value synchronously (no promise), so a JSPI
 * import that did not wait does not suspend the guest at all. Every JSPI import that does
 * suspend resumes its guest on a microtask, so a guest whose blocking calls never wait (a full
 * channel that keeps draining, a closed stream it keeps writing to) would run without the event
 * loop turning and starve every timer and socket, including the one that kills it after its
 * client left. So a call that did not park goes through `resume()` on every exit path, which
 * yields to the event loop once per slice of guest time.
 */
import type { WasiContext } from "./context.ts";

/** Parks the process until `p` settles (the call then counts as having waited). */
export type Wait = <U>(p: Promise<U>) => Promise<U>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** Ends a call that did not park: at once, or after the fairness yield. */
function throughResume<T>(ctx: WasiContext, finish: () => T): T | Promise<T> {
  const yielding = ctx.resume();
  return yielding === undefined ? finish() : yielding.then(finish);
}

/**
 * Runs the body of a blocking call. `body` parks with `wait` (and must then return a
 * promise); if it never did, the call returns (or throws) through `ctx.resume()`, synchronously
 * when no yield is due.
 */
export function blockingCall<T>(
  ctx: WasiContext,
  body: (wait: Wait) => T | Promise<T>,
): T | Promise<T> {
  let parked = false;
  const wait: Wait = (p) => {
    parked = true;
    return ctx.park(p);
  };
  let out: T | Promise<T>;
  try {
    out = body(wait);
  } catch (err) {
    return throughResume(ctx, () => {
      throw err;
    });
  }
  if (!isPromise(out)) return throughResume(ctx, () => out);
  return out.then(
    (value) => (parked ? value : throughResume(ctx, () => value)),
    (err: unknown) =>
      parked
        ? Promise.reject(err as Error)
        : throughResume(ctx, () => {
            throw err;
          }),
  );
}
