/**
 * @module wasi/io/error
 * `wasi:io/error@0.2.x`: the opaque error resource carried by `stream-error.last-operation-failed`.
 */

/** WIT: `resource error { to-debug-string: func() -> string; }` */
export class IoError {
  readonly #message: string;

  /** Host-only constructor (the WIT has none). */
  constructor(message: string) {
    this.#message = message;
  }

  /** WIT: `to-debug-string: func() -> string;` */
  toDebugString(): string {
    return this.#message;
  }
}

/** The `wasi:io/error` import namespace. */
export const ioError = { Error: IoError } as const;
