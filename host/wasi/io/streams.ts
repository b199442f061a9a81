/**
 * @module wasi/io/streams
 * `wasi:io/streams@0.2.x`: input and output streams over host byte sources and sinks.
 *
 * Stream errors are exactly three kinds (wasmtime `StreamError`): `closed` and
 * `last-operation-failed` are returned to the guest; a trap ends the process. The blocking
 * calls (`blocking-*`) park the process while they wait and never spin.
 */
import type { WasiContext } from "../context.ts";
import { writeAll } from "../../stream/write-all.ts";
import { blockingCall } from "../blocking.ts";
import { WitError, trap } from "../errors.ts";
import { IoError } from "./error.ts";
import { Pollable, waitReady } from "./poll.ts";
import type { InputSource, Readiness } from "./readiness.ts";

/** The most a `blocking-write-and-flush` may write (WIT: "up to 4096 bytes"). */
export const BLOCKING_WRITE_MAX = 4096;

/** WIT: `variant stream-error { last-operation-failed(error), closed }` */
export type StreamError = { tag: "last-operation-failed"; val: IoError } | { tag: "closed" };

const CLOSED: StreamError = { tag: "closed" };

/** Throws the WIT `stream-error.closed`. */
export function streamClosed(): never {
  throw new WitError<StreamError>(CLOSED, "stream closed");
}

/**
 * Throws the WIT `stream-error.last-operation-failed` with a message (and, for an HTTP body, the
 * `error-code` that `http-error-code` gives for it).
 */
export function streamFailed(message: string, httpErrorCode?: unknown): never {
  throw new WitError<StreamError>(
    { tag: "last-operation-failed", val: new IoError(message, httpErrorCode) },
    message,
  );
}

/**
 * Where an output stream's bytes go. `permit` throws `closed`/`failed` (as WitError) when the
 * stream can no longer be written; `write` must not be given more than `permit` allowed.
 */
export interface OutputTarget extends Readiness {
  permit(): number;
  write(bytes: Uint8Array): void;
  /** The guest dropped the stream. */
  dropped?(): void;
}

function toLength(len: bigint): number {
  return len > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(len);
}

/** WIT: `resource input-stream` */
export class InputStream {
  readonly ctx: WasiContext;
  readonly #source: InputSource;

  /** Host-only constructor (the WIT has none). */
  constructor(ctx: WasiContext, source: InputSource) {
    this.ctx = ctx;
    this.#source = source;
  }

  /**
   * WIT: `read: func(len: u64) -> result<list<u8>, stream-error>;` Never blocks: an empty list
   * means no bytes are available yet. Errors: `closed` at the end of the stream.
   */
  read(len: bigint): Uint8Array {
    const bytes = this.#source.read(toLength(len));
    if (bytes === null) streamClosed();
    return bytes;
  }

  /** WIT: `blocking-read: func(len: u64) -> result<list<u8>, stream-error>;` Parks until data. */
  blockingRead(len: bigint): Uint8Array | Promise<Uint8Array> {
    const waited = this.#waitReadable();
    return waited === undefined ? this.read(len) : waited.then(() => this.read(len));
  }

  /** WIT: `skip: func(len: u64) -> result<u64, stream-error>;` */
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  /** WIT: `blocking-skip: func(len: u64) -> result<u64, stream-error>;` */
  blockingSkip(len: bigint): bigint | Promise<bigint> {
    const waited = this.#waitReadable();
    return waited === undefined ? this.skip(len) : waited.then(() => this.skip(len));
  }

  /** WIT: `subscribe: func() -> pollable;` Ready when bytes or the end are available. */
  subscribe(): Pollable {
    return new Pollable(this.ctx, this.#source);
  }

  /** Reads up to `max` bytes without blocking, or null at the end (for `splice`). */
  readForSplice(max: number): Uint8Array | null {
    return this.#source.read(max);
  }

  /** The underlying readiness (for `blocking-splice`). */
  get readiness(): Readiness {
    return this.#source;
  }

  #waitReadable(): void | Promise<void> {
    return waitReady(this.ctx, this.#source);
  }

  [Symbol.dispose](): void {
    this.#source.dispose?.();
  }
}

/** WIT: `resource output-stream` */
export class OutputStream {
  readonly ctx: WasiContext;
  readonly #target: OutputTarget;

  /** Host-only constructor (the WIT has none). */
  constructor(ctx: WasiContext, target: OutputTarget) {
    this.ctx = ctx;
    this.#target = target;
  }

  /**
   * WIT: `check-write: func() -> result<u64, stream-error>;` The free room in bytes; 0 means
   * wait on `subscribe`. Errors: `closed` once the client is gone or the body finished.
   */
  checkWrite(): bigint {
    return BigInt(this.#target.permit());
  }

  /**
   * WIT: `write: func(contents: list<u8>) -> result<_, stream-error>;`
   * Errors: `closed`. Traps: when `contents` is longer than the last `check-write` allowed.
   */
  write(contents: Uint8Array): void {
    const permit = this.#target.permit();
    if (contents.length > permit) {
      trap(`output-stream.write of ${contents.length} bytes exceeds the permit of ${permit}`);
    }
    this.#target.write(contents);
  }

  /**
   * WIT: `blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>;`
   * Parks while the channel is full; wakes at once with `closed` if the client goes away.
   * Traps: when `contents` is longer than 4096 bytes.
   */
  blockingWriteAndFlush(contents: Uint8Array): void | Promise<void> {
    if (contents.length > BLOCKING_WRITE_MAX) {
      trap(`blocking-write-and-flush of ${contents.length} bytes (at most ${BLOCKING_WRITE_MAX})`);
    }
    return this.#writeAll(contents);
  }

  /** WIT: `flush: func() -> result<_, stream-error>;` Bytes are flushed once in the channel. */
  flush(): void {
    this.#target.permit();
  }

  /** WIT: `blocking-flush: func() -> result<_, stream-error>;` */
  blockingFlush(): void | Promise<void> {
    return blockingCall(this.ctx, () => {
      this.#target.permit();
    });
  }

  /** WIT: `subscribe: func() -> pollable;` Ready when there is room, or the stream is closed. */
  subscribe(): Pollable {
    return new Pollable(this.ctx, this.#target);
  }

  /** WIT: `write-zeroes: func(len: u64) -> result<_, stream-error>;` Traps past the permit. */
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(toLength(len)));
  }

  /** WIT: `blocking-write-zeroes-and-flush: func(len: u64) -> result<_, stream-error>;` */
  blockingWriteZeroesAndFlush(len: bigint): void | Promise<void> {
    if (len > BigInt(BLOCKING_WRITE_MAX)) {
      trap(`blocking-write-zeroes-and-flush of ${len} bytes (at most ${BLOCKING_WRITE_MAX})`);
    }
    return this.#writeAll(new Uint8Array(Number(len)));
  }

  /**
   * WIT: `splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>;`
   * Moves what is available now, up to the permit. Errors: `closed` at the source's end.
   */
  splice(src: InputStream, len: bigint): bigint {
    const max = Math.min(toLength(len), this.#target.permit());
    if (max === 0) return 0n;
    const bytes = src.readForSplice(max);
    if (bytes === null) streamClosed();
    this.#target.write(bytes);
    return BigInt(bytes.length);
  }

  /** WIT: `blocking-splice: func(src: borrow<input-stream>, len: u64) -> result<u64, ...>;` */
  blockingSplice(src: InputStream, len: bigint): bigint | Promise<bigint> {
    return blockingCall(this.ctx, async (wait) => {
      while (!this.#target.isReady() || !src.readiness.isReady()) {
        await wait(Promise.all([this.#target.whenReady(), src.readiness.whenReady()]));
      }
      return this.splice(src, len);
    });
  }

  /** Writes all of `bytes`, parking while the target is full; synchronous when it all fits. */
  #writeAll(bytes: Uint8Array): void | Promise<void> {
    return blockingCall(this.ctx, (wait) => {
      this.#target.permit(); // a write of nothing still reports `closed`
      // A closed target throws `closed` from permit() inside the loop.
      return writeAll(this.#target, bytes, () => wait(this.#target.whenReady()));
    });
  }

  [Symbol.dispose](): void {
    this.#target.dropped?.();
  }
}

/** The `wasi:io/streams` import namespace. */
export const ioStreams = { InputStream, OutputStream } as const;
