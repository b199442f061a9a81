/**
 * @module wasi/io/error
 * `wasi:io/error@0.2.x`: the opaque error resource carried by `stream-error.last-operation-failed`.
 */

/** WIT: `resource error { to-debug-string: func() -> string; }` */
export class IoError {
  readonly #message: string;
  /**
   * What `wasi:http/types.http-error-code` answers for this error: the `error-code` of a failed
   * body write (a WIT `error-code` value), or undefined for other errors.
   */
  readonly httpErrorCode: unknown;

  /** Host-only constructor (the WIT has none). */
  constructor(message: string, httpErrorCode?: unknown) {
    this.#message = message;
    this.httpErrorCode = httpErrorCode;
  }

  /** WIT: `to-debug-string: func() -> string;` */
  toDebugString(): string {
    return this.#message;
  }
}

/** The `wasi:io/error` import namespace. */
export const ioError = { Error: IoError } as const;
