/**
 * @module server/wire
 * The one request/response shape the public listener serves, over either wire: node:http's
 * `IncomingMessage`/`ServerResponse` (HTTP/1.1, plain or TLS) or node:http2's compatibility
 * `Http2ServerRequest`/`Http2ServerResponse` (one stream of an HTTP/2 connection).
 *
 * Both are close (writeHead, write with per-response back-pressure and `drain`, end, `close`),
 * and exchange.ts and http.ts use only what they share, through {@link Incoming} and
 * {@link Outgoing}. What differs is here, in {@link Wire}: how a response is cut short (HTTP/1.1
 * ends the socket; HTTP/2 resets only its stream, RST_STREAM INTERNAL_ERROR, and the
 * connection's other streams go on), whether the connection may be kept after a refusal (HTTP/2
 * has no `Connection: close`: the stream ends, the connection stays), and whether requests of
 * one connection wait for each other (HTTP/1.1 pipelining does; HTTP/2 streams do not).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { Socket } from "node:net";

/** What rusm reads of a request, on either wire. */
export interface Incoming extends NodeJS.ReadableStream {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Names and values, alternating; HTTP/2's include the pseudo-headers (`:path`, ...). */
  readonly rawHeaders: string[];
  readonly rawTrailers: string[];
  readonly complete: boolean;
  readonly readableEnded: boolean;
  readonly socket: Socket | null;
}

/** What rusm does with a response, on either wire. */
export interface Outgoing {
  readonly headersSent: boolean;
  statusCode: number;
  readonly writableFinished: boolean;
  readonly writableEnded: boolean;
  readonly writableLength: number;
  writeHead(status: number, headers: string[] | Record<string, string>): unknown;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): unknown;
  destroy(): unknown;
  on(event: "close" | "drain" | "finish", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  once(event: "close" | "drain" | "finish", listener: () => void): unknown;
}

/** The wire-specific half of one exchange. */
export interface Wire {
  /** "1.1" or "2", for logs and tests. */
  readonly version: "1.1" | "2";
  /** The response is over (its stream or socket closed). */
  closed(): boolean;
  /**
   * The response ended and all of it was handed to the OS: a close after that is not a client
   * that left. (Not `Http2ServerResponse.writableFinished`: that is also true once the stream
   * was reset or its connection went.)
   */
  finished(): boolean;
  /**
   * Ends the response without ending it cleanly: the client sees a truncated body. HTTP/1.1
   * ends the socket (the terminating chunk never comes), destroying it after `flushMs` if the
   * client does not read; HTTP/2 resets the stream with INTERNAL_ERROR. False when there was
   * nothing left to cut.
   */
  cut(flushMs: number): boolean;
  /** A refusal (503) should also close the connection (HTTP/1.1 only: HTTP/2 streams are independent). */
  closeAfter(): void;
  /** Adds trailers to a response not yet ended. */
  addTrailers(trailers: Array<[string, string]>): void;
  /** The connection whose requests are started in order (HTTP/1.1 pipelining), or null. */
  readonly pipeline: Socket | null;
}

class Http1Wire implements Wire {
  readonly version = "1.1";
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  closed(): boolean {
    return this.#res.closed;
  }

  finished(): boolean {
    return this.#res.writableFinished;
  }

  cut(flushMs: number): boolean {
    // No res.end(): a chunked body stops without its terminating chunk, a body with a
    // content-length short of it. end() on the socket still flushes what was written; a client
    // that never reads gets destroyed.
    const socket = this.#res.socket;
    if (socket === null) return false;
    socket.end();
    setTimeout(() => socket.destroy(), flushMs).unref();
    return true;
  }

  closeAfter(): void {
    this.#res.shouldKeepAlive = false;
  }

  addTrailers(trailers: Array<[string, string]>): void {
    this.#res.addTrailers(trailers);
  }

  get pipeline(): Socket | null {
    return this.#res.req.socket;
  }
}

class Http2Wire implements Wire {
  readonly version = "2";
  readonly #res: Http2ServerResponse;

  constructor(res: Http2ServerResponse) {
    this.#res = res;
  }

  closed(): boolean {
    return this.#res.stream.closed || this.#res.stream.destroyed;
  }

  finished(): boolean {
    // rusm ended it, and the stream was not cut short (Node ends a destroyed stream's writable
    // side itself, so the stream's own writableFinished can be true after a lost connection).
    return this.#res.writableEnded && !this.#res.stream.aborted;
  }

  cut(): boolean {
    const stream = this.#res.stream;
    if (stream.closed || stream.destroyed) return false;
    // RST_STREAM: this stream only; what was written before still reaches the client first.
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return true;
  }

  closeAfter(): void {
    // Nothing to do: an HTTP/2 refusal ends its stream; the connection's others go on.
  }

  addTrailers(trailers: Array<[string, string]>): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of trailers) {
      const had = headers[name];
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    this.#res.addTrailers(headers);
  }

  readonly pipeline = null;
}

/** Either wire's request and response, as rusm sees them. */
export interface Exchanged {
  readonly req: Incoming;
  readonly res: Outgoing;
  readonly wire: Wire;
}

/** The one view of a request/response pair of node:http or node:http2's compatibility API. */
export function exchanged(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
): Exchanged {
  const wire = "stream" in res ? new Http2Wire(res) : new Http1Wire(res);
  return { req: req as unknown as Incoming, res, wire };
}
