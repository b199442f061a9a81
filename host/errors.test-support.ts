/**
 * For unit tests: the error a call throws, failing the test when it throws none.
 */
import { RusmError } from "./errors.ts";

/** What `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

/** The RusmError `fn` throws; any other error is rethrown, and no error fails the test. */
export function thrownRusmError(fn: () => unknown): RusmError {
  const err = thrown(fn);
  if (err instanceof RusmError) return err;
  throw err;
}

/** The RusmError `fn`'s promise rejects with; as {@link thrownRusmError}, for async calls. */
export async function rejectedRusmError(fn: () => Promise<unknown>): Promise<RusmError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof RusmError) return err;
    throw err;
  }
  throw new Error("expected an error");
}
