/**
 * @module server/request-body
 * A request body as a WASI byte source over Node's `IncomingMessage` (or an HTTP/2
 * stream's `Http2ServerRequest`: flow control then paces the client per stream), read in paused mode: the
 * socket is read only as fast as the guest reads (TCP back-pressure), and a guest waiting for
 * bytes is parked on one shared promise per wait, never polling.
 */
import type { Incoming } from "./wire.ts";
import { streamFailed } from "../wasi/io/streams.ts";
import type { FieldEntry, RequestBodySource } from "../wasi/index.ts";

type Wait = { promise: Promise<void>; resolve: () => void };

export class NodeRequestBody implements RequestBodySource {
  readonly #req: Incoming;
  #buffered: Buffer | null = null;
  #ended = false;
  #failed: string | null = null;
  #wait: Wait | null = null;
  #endWait: Wait | null = null;

  constructor(req: Incoming) {
    this.#req = req;
    req.on("readable", () => {
      // Pull now: at the end of the body, 'readable' comes before 'end', and 'end' only comes
      // once read() has returned null.
      this.#pull();
      this.#wake();
    });
    req.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    req.on("error", (err: Error) => this.#fail(err.message));
    req.on("close", () => {
      if (!this.#ended && !req.complete)
        this.#fail("the client closed the connection before the body ended");
    });
  }

  read(max: number): Uint8Array | null {
    this.#pull();
    const buf = this.#buffered;
    if (buf === null || buf.length === 0) {
      if (this.#failed !== null) streamFailed(this.#failed);
      if (this.#ended || this.#req.readableEnded) return null;
      return new Uint8Array(0);
    }
    const n = Math.min(max, buf.length);
    this.#buffered = n === buf.length ? null : buf.subarray(n);
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  }

  isReady(): boolean {
    this.#pull();
    return this.#buffered !== null || this.#ended || this.#failed !== null;
  }

  whenReady(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    this.#wait ??= Promise.withResolvers<void>();
    return this.#wait.promise;
  }

  trailers(): FieldEntry[] | undefined {
    if (!this.#ended) return this.#failed !== null ? [] : undefined;
    const raw = this.#req.rawTrailers;
    const out: FieldEntry[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      out.push([raw[i]!.toLowerCase(), Buffer.from(raw[i + 1]!, "latin1")]);
    }
    return out;
  }

  discard(): void {
    this.#buffered = null;
    this.#req.resume();
  }

  ended(): Promise<void> {
    if (this.#ended || this.#failed !== null) return Promise.resolve();
    this.#endWait ??= Promise.withResolvers<void>();
    return this.#endWait.promise;
  }

  /** Moves the next chunk from Node's buffer into ours when ours is empty. */
  #pull(): void {
    if (this.#buffered !== null || this.#ended) return;
    const chunk = this.#req.read() as Buffer | null;
    if (chunk !== null && chunk.length > 0) this.#buffered = chunk;
  }

  #fail(message: string): void {
    this.#failed ??= message;
    this.#wake();
  }

  #wake(): void {
    const wait = this.#wait;
    this.#wait = null;
    wait?.resolve();
    if (this.#ended || this.#failed !== null) {
      const end = this.#endWait;
      this.#endWait = null;
      end?.resolve();
    }
  }
}
