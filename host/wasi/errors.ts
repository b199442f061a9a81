/**
 * @module wasi/errors
 * How host functions report errors to guests and when they trap.
 *
 * A WIT `result` error is thrown as a {@link WitError} whose `payload` is the WIT value
 * (`{ tag, val? }` with the WIT spelling); jco's glue lowers it into the guest's return area.
 * A host invariant broken by the guest (an unknown handle, a write past its permit, a body
 * taken twice) throws a {@link GuestTrap}: jco rethrows it, the guest's stack unwinds and the
 * process ends with reason `trap`. Never `throw undefined`.
 */

/** A WIT error value returned to the guest (jco reads `payload`). */
export class WitError<P = unknown> extends Error {
  override readonly name = "WitError";
  readonly payload: P;

  constructor(payload: P, message?: string) {
    super(message ?? `wasi error ${JSON.stringify(payload)}`);
    this.payload = payload;
  }
}

/** A guest bug the host refuses to paper over: the process traps. */
export class GuestTrap extends Error {
  override readonly name = "GuestTrap";
}

/** Throws a {@link GuestTrap} with `message`. */
export function trap(message: string): never {
  throw new GuestTrap(message);
}
