/**
 * @module rusm-guest/process
 * `rusm:guest/process@0.1.0`: the process a request runs in (wit/process.wit).
 */

/**
 * Thrown by `abort`: unwinds the guest's whole stack (nothing in the guest can catch a host
 * exception), so the process ends with reason `trap` and this message in its log.
 */
export class GuestAbort extends Error {
  override readonly name = "GuestAbort";
}

/** The `rusm:guest/process` import; holds no process state. */
export const processInterface = {
  /** WIT: `abort: func(message: string);` Traps, always. */
  abort(message: string): never {
    throw new GuestAbort(message);
  },
};
