/**
 * @module server/exchange
 * One request/response pair of node:http, as a process sees it ({@link ProcessExchange}).
 *
 * The head goes out at the end of the event-loop turn in which the guest sets its response (with
 * the first body bytes when there are some: one socket write for a small response); the body is
 * chunked and flows from the process's bounded channel, paced by `res.write()` and `drain`.
 * A client that goes away (close before the response ended, or a socket error) closes the
 * channel, so the guest's next write returns `closed` and a parked write wakes at once.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ByteChannel, ChannelSink } from "../stream/channel.ts";
import type { ProcessExchange } from "../lifecycle/process.ts";
import type { FieldEntry, IncomingRequestData, RequestBodySource } from "../wasi/index.ts";
import { FORBIDDEN_HEADERS } from "../wasi/http/fields.ts";
import { NodeRequestBody } from "./request-body.ts";
import { threadRunQueue } from "../lifecycle/run-queue.ts";

/**
 * Request headers a guest does not see: the hop-by-hop ones, which describe the connection to
 * rusm, are the same a guest may not set (wasi/http/fields.ts).
 */
const HOP_BY_HOP = FORBIDDEN_HEADERS;

/** Response headers rusm sets itself: the body is always chunked. */
const FRAMING = new Set(["content-length", "transfer-encoding"]);

/** How long a truncated response's socket may take to flush before it is destroyed. */
const TRUNCATE_FLUSH_MS = 10_000;

/** The request as WASI sees it; headers are converted on first use (most guests never ask). */
class NodeRequestData implements IncomingRequestData {
  readonly #req: IncomingMessage;
  #headers: FieldEntry[] | undefined;

  constructor(req: IncomingMessage) {
    this.#req = req;
  }

  get method(): string {
    return this.#req.method ?? "GET";
  }

  get pathWithQuery(): string {
    return this.#req.url ?? "/";
  }

  get scheme(): "http" | "https" {
    const socket = this.#req.socket;
    return "encrypted" in socket && socket.encrypted === true ? "https" : "http";
  }

  get authority(): string | undefined {
    return this.#req.headers.host;
  }

  get headers(): FieldEntry[] {
    if (this.#headers === undefined) {
      const headers: FieldEntry[] = [];
      const raw = this.#req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        if (!HOP_BY_HOP.has(name)) headers.push([name, Buffer.from(raw[i + 1]!, "latin1")]);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }
}

export class NodeExchange implements ProcessExchange {
  readonly request: IncomingRequestData;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #onBytes: (n: number) => void;
  #body: ByteChannel | null = null;
  #responded = false;
  #eventStream = false;
  #clientGone = false;
  #goneListeners: Array<() => void> = [];

  constructor(req: IncomingMessage, res: ServerResponse, onBytes: (n: number) => void) {
    this.#req = req;
    this.#res = res;
    this.#onBytes = onBytes;
    this.request = new NodeRequestData(req);
    res.on("close", () => {
      if (!res.writableFinished) this.#gone();
    });
    // A socket error after the head also ends in 'close'; this keeps it from being thrown.
    res.on("error", () => this.#gone());
  }

  get responded(): boolean {
    return this.#responded;
  }

  get clientGone(): boolean {
    return this.#clientGone;
  }

  get eventStream(): boolean {
    return this.#eventStream;
  }

  endBody(): void {
    const body = this.#body;
    if (body !== null && !body.ended) body.finish();
  }

  /** The response body channel, once the guest responded with one. */
  get body(): ByteChannel | null {
    return this.#body;
  }

  requestBody(): RequestBodySource {
    return new NodeRequestBody(this.#req);
  }

  respond(status: number, headers: FieldEntry[], body: ByteChannel): void {
    this.#responded = true;
    this.#body = body;
    if (this.#clientGone) {
      body.close();
      return;
    }
    const res = this.#res;
    const out: string[] = [];
    for (const [name, value] of headers) {
      if (FRAMING.has(name)) continue;
      const text = Buffer.from(value).toString("latin1");
      if (name === "content-type" && /^\s*text\/event-stream/i.test(text)) this.#eventStream = true;
      out.push(name, text);
    }
    // The channel sends the head at the end of this turn, with the first body bytes if any.
    res.writeHead(status, out);
    body.attach(this.#sink());
  }

  fail(message: string): void {
    this.respondError(500, `${message}\n`);
  }

  respondError(status: number, message: string): void {
    this.#responded = true;
    const res = this.#res;
    if (this.#clientGone || res.headersSent) return;
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(message);
  }

  truncateBody(): void {
    this.#body?.truncate();
  }

  onBodyBytes(n: number): void {
    this.#onBytes(n);
  }

  onClientGone(listener: () => void): void {
    if (this.#clientGone) listener();
    else this.#goneListeners.push(listener);
  }

  #gone(): void {
    if (this.#clientGone) return;
    this.#clientGone = true;
    // What the leaving sets off (the channel closes, its writer wakes and unwinds, the process
    // ends) goes through the run queue: 10,000 clients leaving in one read of the event loop
    // (a proxy restarting) are then torn down a bounded share per turn.
    threadRunQueue().run(() => {
      this.#body?.close();
      const listeners = this.#goneListeners;
      this.#goneListeners = [];
      for (const listener of listeners) listener();
    });
  }

  #sink(): ChannelSink {
    const res = this.#res;
    return {
      write: (chunk) => res.write(chunk),
      flushHead: () => res.flushHeaders(),
      end: (trailers, last) => {
        if (trailers !== undefined && trailers.length > 0) res.addTrailers(trailers);
        if (last === undefined) res.end();
        else res.end(last);
      },
      truncate: () => {
        // No res.end(): the chunked body stops without its terminating chunk. end() on the
        // socket still flushes what was written; a client that never reads gets destroyed.
        const socket = res.socket;
        if (socket === null) return;
        socket.end();
        setTimeout(() => socket.destroy(), TRUNCATE_FLUSH_MS).unref();
      },
      onDrain: (listener) => res.on("drain", listener),
      pending: () => res.writableLength,
    };
  }
}
