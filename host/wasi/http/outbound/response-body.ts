/**
 * @module wasi/http/outbound/response-body
 * An outbound response's body as the guest reads it (an `incoming-body`'s source): a bounded
 * queue of at most `capacity` bytes in front of undici's body stream. When the queue is full
 * the stream is paused, undici stops reading its socket, and TCP tells the upstream to wait: a
 * slow guest back-pressures the upstream, and the host holds at most `capacity` here plus the
 * stream's own high-water mark (also `capacity`) for it.
 *
 * The body ends with its trailers, or fails with an `error-code` (the upstream died, a timeout
 * between bytes): reads then fail with `last-operation-failed` whose `http-error-code` is it.
 */
import type { Readable } from "node:stream";
import { streamFailed } from "../../io/streams.ts";
import type { FieldEntry, RequestBodySource } from "../exchange.ts";
import { describeErrorCode, type ErrorCode } from "../error-code.ts";
import { errorCodeFrom } from "./error-map.ts";

type Trailers = Record<string, string | string[] | undefined>;

/** The trailers undici collected, as WASI fields. */
function toEntries(trailers: Trailers): FieldEntry[] {
  const out: FieldEntry[] = [];
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      out.push([name.toLowerCase(), Buffer.from(v, "latin1")]);
    }
  }
  return out;
}

export class ResponseBody implements RequestBodySource {
  readonly #stream: Readable;
  readonly #trailers: Trailers;
  readonly #capacity: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #state: "open" | "ended" | "failed" = "open";
  #error: ErrorCode | null = null;
  #discarding = false;
  #wait: { promise: Promise<void>; resolve: () => void } | null = null;
  readonly #ended = Promise.withResolvers<void>();

  /** `onEnd` is told once, when the body ended or failed (the request is then over). */
  constructor(
    stream: Readable,
    trailers: Trailers,
    capacity: number,
    onEnd: (error: ErrorCode | null) => void,
  ) {
    this.#stream = stream;
    this.#trailers = trailers;
    this.#capacity = capacity;
    stream.on("data", (chunk: Buffer) => {
      if (this.#discarding) return;
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      // Invariant: at most `capacity` queued here before the stream is paused (one chunk over).
      if (this.#queued >= this.#capacity) stream.pause();
      this.#wake();
    });
    const settle = (error: ErrorCode | null): void => {
      if (this.#state !== "open") return;
      this.#state = error === null ? "ended" : "failed";
      this.#error = error;
      this.#wake();
      this.#ended.resolve();
      onEnd(error);
    };
    stream.once("end", () => settle(null));
    stream.once("error", (err) => settle(errorCodeFrom(err)));
    // Destroyed without an error or an end: the guest abandoned it (abandon) or it was aborted.
    stream.once("close", () =>
      settle({ tag: "internal-error", val: "the response body was abandoned" }),
    );
  }

  /** Bytes queued for the guest (for tests of the bound). */
  get queued(): number {
    return this.#queued;
  }

  read(max: number): Uint8Array | null {
    if (this.#queued === 0) {
      if (this.#state === "ended") return null;
      if (this.#state === "failed") {
        const code = this.#error!;
        streamFailed(`the response body failed: ${describeErrorCode(code)}`, code);
      }
      return new Uint8Array(0);
    }
    let chunk = this.#queue[0]!;
    if (chunk.length > max) {
      this.#queue[0] = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    } else {
      this.#queue.shift();
    }
    this.#queued -= chunk.length;
    if (this.#queued < this.#capacity && this.#state === "open") this.#stream.resume();
    return chunk;
  }

  isReady(): boolean {
    return this.#queued > 0 || this.#state !== "open";
  }

  whenReady(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    this.#wait ??= Promise.withResolvers<void>();
    return this.#wait.promise;
  }

  trailers(): FieldEntry[] | undefined {
    if (this.#state === "open") return undefined;
    return this.#state === "ended" ? toEntries(this.#trailers) : [];
  }

  /** The body's failure, once it failed (what `future-trailers.get` reports). */
  error(): ErrorCode | undefined {
    return this.#error ?? undefined;
  }

  discard(): void {
    this.#discarding = true;
    this.#queue = [];
    this.#queued = 0;
    if (this.#state === "open") this.#stream.resume();
  }

  ended(): Promise<void> {
    return this.#ended.promise;
  }

  /** The guest dropped the body unfinished: the upstream connection is closed. */
  abandon(): void {
    if (this.#state === "open") this.#stream.destroy();
  }

  #wake(): void {
    const wait = this.#wait;
    this.#wait = null;
    wait?.resolve();
  }
}
