/**
 * @module server/exchange
 * One request/response pair of node:http or node:http2 (its compatibility API, one stream), as a
 * process sees it ({@link ProcessExchange}); what differs between the wires is in server/wire.ts.
 *
 * The head goes out at the end of the event-loop turn in which the guest sets its response (with
 * the first body bytes when there are some: one socket write for a small response); the body
 * flows from the process's bounded channel, paced by `res.write()` and `drain` (over HTTP/2, per
 * stream: a stalled stream's flow-control window parks only its own process). Over HTTP/1.1 it is
 * chunked, unless the guest declared a `content-length`: then that goes out and the body is held
 * to it (a body of another length is never ended as complete: the response is cut instead; over
 * HTTP/2 a cut is a RST_STREAM of its stream only).
 * A client that goes away (close before the response ended, or a socket error) closes the
 * channel, so the guest's next write returns `closed` and a parked write wakes at once.
 *
 * What Node cannot send as the guest set it is decided here, as hyper decides it under
 * `wasmtime serve`: a 1xx status is not a final response (answered 500); HEAD, 204 and 304 have
 * no body (the head goes out at once and the guest's writes are `closed`, since Node's
 * `res.write` for them neither sends the head nor pushes back). Anything Node throws while
 * answering ends this exchange only: 500 before a head, a cut connection after, one fault.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { ByteChannel, ChannelSink } from "../stream/channel.ts";
import type { ProcessExchange } from "../process/process.ts";
import type { FieldEntry, IncomingRequestData, RequestBodySource } from "../wasi/index.ts";
import { declaredLength } from "../wasi/http/content-length.ts";
import { FORBIDDEN_HEADERS } from "../wasi/http/fields.ts";
import { NodeRequestBody } from "./request-body.ts";
import { ClientGone } from "./client-gone.ts";
import { exchanged, type Incoming, type Outgoing, type Wire } from "./wire.ts";

/**
 * Request headers a guest does not see: the forbidden ones (wasmtime's list: the connection,
 * its proxying, `host`), the same a guest may not set (wasi/http/fields.ts).
 */
const HIDDEN = FORBIDDEN_HEADERS;

/** Response headers rusm writes itself, from what the body is: `content-length` or chunked. */
const FRAMING = new Set(["content-length", "transfer-encoding"]);

/** The text of a thrown value, for the one log line of a fault. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** How long a truncated response's socket may take to flush before it is destroyed. */
const TRUNCATE_FLUSH_MS = 10_000;

/** The request as WASI sees it; headers are converted on first use (most guests never ask). */
export class NodeRequestData implements IncomingRequestData {
  readonly #req: Incoming;
  #headers: FieldEntry[] | undefined;

  constructor(req: Incoming) {
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
    return socket !== null && "encrypted" in socket && socket.encrypted === true ? "https" : "http";
  }

  get authority(): string | undefined {
    // HTTP/2 says it in `:authority` (RFC 9113 section 8.3.1), HTTP/1.1 in `host`.
    return this.#req.headers.host ?? (this.#req.headers[":authority"] as string | undefined);
  }

  get headers(): FieldEntry[] {
    if (this.#headers === undefined) {
      const headers: FieldEntry[] = [];
      const raw = this.#req.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        // HTTP/2's pseudo-headers (`:path`, ...) are the request line, not fields.
        if (!HIDDEN.has(name) && !name.startsWith(":"))
          headers.push([name, Buffer.from(raw[i + 1]!, "latin1")]);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }
}

/** An empty body write: nothing on the wire but what has not gone out yet. */
const NOTHING = new Uint8Array(0);

/**
 * Sends the response head now, alone. Not `res.flushHeaders()`: that sends the head as a string
 * with no encoding, so UTF-8, and a header value's obs-text byte (0x80-0xff, latin1 here: é as
 * 0xe9) would reach the client as two bytes. An empty write sends it as latin1, Node's rule for
 * a head, and adds no chunk (an empty chunk is not a chunked body's end).
 */
function flushHead(res: Outgoing): void {
  res.write(NOTHING);
}

export class NodeExchange implements ProcessExchange {
  readonly request: IncomingRequestData;
  readonly #req: Incoming;
  readonly #res: Outgoing;
  readonly #wire: Wire;
  readonly #onBytes: (n: number) => void;
  #body: ByteChannel | null = null;
  #responded = false;
  #eventStream = false;
  readonly #client = new ClientGone();
  #faultListeners: Array<(why: string) => void> = [];
  /** Set once the response failed on rusm's side (a fault): it is over, answered or cut. */
  #faulted = false;
  /** Set once rusm cut the connection itself (a truncated body, a fault). */
  #cutByHost = false;
  /** The `content-length` the response went out with, or null (chunked, or no body). */
  #declared: number | null = null;
  /** Body bytes handed to Node. */
  #sent = 0;

  constructor(
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
    onBytes: (n: number) => void,
  ) {
    const { req, res, wire } = exchanged(request, response);
    this.#req = req;
    this.#res = res;
    this.#wire = wire;
    this.#onBytes = onBytes;
    this.request = new NodeRequestData(req);
    res.on("close", () => {
      // A connection rusm cut itself (a truncated body, a fault) is not a client that left.
      if (!wire.finished() && !this.#cutByHost && !this.#faulted) this.#gone();
    });
    // A socket error after the head also ends in 'close'; this keeps it from being thrown.
    res.on("error", () => this.#gone());
  }

  get responded(): boolean {
    return this.#responded;
  }

  get clientGone(): boolean {
    return this.#client.gone;
  }

  get eventStream(): boolean {
    return this.#eventStream;
  }

  /** Response bytes the host holds for this exchange (the buffered-bytes gauge). */
  get buffered(): number {
    return this.#body?.buffered ?? 0;
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
    if (this.#client.gone) {
      body.close();
      return;
    }
    if (status < 200) {
      // A 1xx is not a final response: sent as one, the client would read the next response
      // on the connection as this one's. hyper (under wasmtime serve) answers 500 instead.
      body.close();
      this.#fault(
        `the component answered with status ${status}, which is informational (1xx), not a final response: answered 500`,
      );
      return;
    }
    const bodyless = this.#req.method === "HEAD" || status === 204 || status === 304;
    const declared = declaredLength(headers);
    const out: string[] = [];
    for (const [name, value] of headers) {
      if (FRAMING.has(name)) continue;
      const text = Buffer.from(value).toString("latin1");
      if (name === "content-type" && /^\s*text\/event-stream/i.test(text)) this.#eventStream = true;
      out.push(name, text);
    }
    // A 204 has no content-length (RFC 9110 section 8.6); HEAD and 304 may say what GET would send.
    if (typeof declared === "number" && status !== 204)
      out.push("content-length", String(declared));
    this.#declared = bodyless || declared === "invalid" ? null : declared;
    const res = this.#res;
    try {
      res.writeHead(status, out);
      if (bodyless) res.end(); // the head alone, now
    } catch (err) {
      body.close();
      this.#fault(`the response head could not be sent: ${describe(err)}`);
      return;
    }
    if (bodyless) {
      // No body goes out: the guest's writes are `closed` at once, so no guest spins on them.
      body.close();
      return;
    }
    // The channel sends the head at the end of this turn, with the first body bytes if any.
    body.attach(this.#sink());
  }

  fail(message: string): void {
    this.respondError(500, `${message}\n`);
  }

  respondError(status: number, message: string): void {
    this.#responded = true;
    const res = this.#res;
    if (this.#client.gone || res.headersSent) return;
    try {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(message);
      this.#onBytes(Buffer.byteLength(message));
    } catch {
      // Swallowed on purpose: a connection that cannot take an error answer is cut instead,
      // which ends this exchange only.
      res.destroy();
    }
  }

  truncateBody(): void {
    this.#body?.truncate();
  }

  endBody(): void {
    const body = this.#body;
    // The sink checks the length against a declared content-length (see #sink's end).
    if (body !== null && !body.ended) body.finish();
  }

  onBodyBytes(n: number): void {
    this.#onBytes(n);
  }

  onClientGone(listener: () => void): void {
    this.#client.on(listener);
  }

  onFault(listener: (why: string) => void): void {
    this.#faultListeners.push(listener);
  }

  #gone(): void {
    this.#client.mark(() => this.#body?.close());
  }

  /**
   * The response cannot go on as the guest set it: 500 before a head, a cut connection after.
   * Once per exchange; the listeners (the process, which logs it) are told why.
   */
  #fault(why: string): void {
    if (this.#faulted) return;
    this.#faulted = true;
    this.#body?.close();
    for (const listener of this.#faultListeners) listener(why);
    const res = this.#res;
    if (res.headersSent) {
      try {
        flushHead(res); // a head set but not sent yet goes out: the client sees a truncated body
      } catch {
        // Swallowed on purpose: the cut below ends the exchange all the same.
      }
      this.#cut();
      return;
    }
    try {
      res.writeHead(500, [
        "content-type",
        "text/plain; charset=utf-8",
        "content-length",
        String(Buffer.byteLength(why) + 1),
      ]);
      res.end(`${why}\n`);
    } catch {
      // Swallowed on purpose: the connection is destroyed instead, which ends this exchange only.
      res.destroy();
    }
  }

  /**
   * Ends the response without ending it cleanly: the client sees a truncated body (HTTP/1.1: the
   * connection ends; HTTP/2: RST_STREAM on this stream only).
   */
  #cut(): void {
    // Set first: the cut closes the response at once over HTTP/2, and that close is rusm's.
    const wasCut = this.#cutByHost;
    this.#cutByHost = true;
    if (!this.#wire.cut(TRUNCATE_FLUSH_MS)) this.#cutByHost = wasCut;
  }

  #sink(): ChannelSink {
    const res = this.#res;
    return {
      write: (chunk) => {
        this.#sent += chunk.length;
        // Invariant: the body's writer refuses bytes past its content-length (wasi/http/response).
        if (this.#declared !== null && this.#sent > this.#declared) {
          throw new RangeError(`${this.#sent} body bytes past content-length ${this.#declared}`);
        }
        return res.write(chunk);
      },
      flushHead: () => flushHead(res),
      end: (trailers, last) => {
        const declared = this.#declared;
        if (declared !== null && this.#sent + (last?.length ?? 0) !== declared) {
          // Not as long as it said: the client must not see it complete.
          if (last !== undefined && this.#sent + last.length < declared) {
            this.#sent += last.length;
            res.write(last);
          }
          this.#cut();
          return;
        }
        if (last !== undefined) this.#sent += last.length;
        if (trailers !== undefined && trailers.length > 0) this.#wire.addTrailers(trailers);
        if (last === undefined) res.end();
        else res.end(last);
      },
      truncate: () => this.#cut(),
      fault: (err) => this.#fault(`writing the response failed: ${describe(err)}`),
      onDrain: (listener) => res.on("drain", listener),
      pending: () => res.writableLength,
    };
  }
}
