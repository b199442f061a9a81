/**
 * @module wasi/http/response
 * `wasi:http/types@0.2.x` outgoing side of the exchange: `outgoing-response`, `outgoing-body`
 * and `response-outparam`.
 *
 * A response's body is a bounded {@link ByteChannel} of `body-buffer-kb`. `response-outparam.set`
 * connects the channel to the socket and the head goes out within the same event-loop turn.
 * The body ends cleanly through `outgoing-body.finish`, or when the process returns normally
 * without finishing it (as under `wasmtime serve`, which drops the body with the instance).
 * Dropping the body unfinished while the process goes on aborts it, as wasmtime's
 * `outgoing-body` drop does: the client gets a truncated stream.
 *
 * A `content-length` in the response's headers is held to (wasmtime's `WrittenState`): a write
 * past it fails with `last-operation-failed` (its `http-error-code` is `HTTP-response-body-size`
 * with the bytes the guest tried to write in all) and aborts the body; `finish` short of it
 * fails with that error code and aborts the body too.
 */
import { ByteChannel, ChannelClosed, PermitExceeded } from "../../stream/channel.ts";
import type { WasiContext } from "../context.ts";
import { WitError, trap } from "../errors.ts";
import { OutputStream, streamClosed, streamFailed, type OutputTarget } from "../io/streams.ts";
import { declaredLength } from "./content-length.ts";
import { describeErrorCode, type ErrorCode } from "./error-code.ts";
import { Fields } from "./fields.ts";

/** The lowest and highest status codes Node (and HTTP/1.1) accept. */
const STATUS_MIN = 100;
const STATUS_MAX = 999;

/** `HTTP-response-body-size(bytes)`: a body that does not match its `content-length`. */
function bodySizeError(bytes: number): ErrorCode {
  return { tag: "HTTP-response-body-size", val: BigInt(bytes) };
}

/**
 * An output target over the body channel, mapping channel errors to WASI stream errors and
 * holding the body to its declared length.
 */
class BodyTarget implements OutputTarget {
  readonly #channel: ByteChannel;
  /** Counts bytes about to be written; throws past the declared length. */
  readonly #count: (n: number) => void;

  constructor(channel: ByteChannel, count: (n: number) => void) {
    this.#channel = channel;
    this.#count = count;
  }

  permit(): number {
    try {
      return this.#channel.permit();
    } catch (err) {
      if (err instanceof ChannelClosed) streamClosed();
      throw err;
    }
  }

  write(bytes: Uint8Array): void {
    this.#count(bytes.length);
    try {
      // Invariant: jco hands the host a copy of guest memory, so the channel may keep `bytes`.
      this.#channel.write(bytes);
    } catch (err) {
      if (err instanceof ChannelClosed) streamClosed();
      if (err instanceof PermitExceeded) trap(err.message);
      throw err;
    }
  }

  isReady(): boolean {
    return this.#channel.isReady();
  }

  whenReady(): Promise<void> {
    return this.#channel.ready();
  }
}

/** WIT: `resource outgoing-body` */
export class OutgoingBody {
  readonly ctx: WasiContext;
  readonly channel: ByteChannel;
  /** The response's `content-length`, or null: the body must be exactly this long. */
  readonly declared: number | null;
  /** Bytes the guest wrote (or tried to write, past the declared length). */
  #written = 0;
  #streamTaken = false;
  #finished = false;

  /**
   * Host-only constructor. `onBytes` counts what leaves (default: the response's body bytes;
   * an outbound request body counts nothing).
   */
  constructor(
    ctx: WasiContext,
    declared: number | null = null,
    onBytes: ((n: number) => void) | undefined = (n) => ctx.exchange.onBodyBytes(n),
  ) {
    this.ctx = ctx;
    this.declared = declared;
    this.channel = new ByteChannel(ctx.bodyBufferBytes, onBytes);
  }

  /**
   * Counts `n` more bytes about to be written (private: not a WIT method, so not traced).
   * Errors: `last-operation-failed` (`HTTP-response-body-size`) past the declared length; the
   * body is then aborted, so every later write is `closed`.
   */
  #count(n: number): void {
    if (this.channel.ended) return; // the channel answers `closed`
    this.#written += n;
    if (this.declared === null || this.#written <= this.declared) return;
    this.channel.truncate();
    streamFailed(
      `body write past its content-length ${this.declared} (${this.#written} bytes in all)`,
      bodySizeError(this.#written),
    );
  }

  /** WIT: `write: func() -> result<output-stream>;` Errors: when called twice. */
  write(): OutputStream {
    if (this.#streamTaken) throw new WitError(undefined, "outgoing-body.write called twice");
    this.#streamTaken = true;
    return new OutputStream(this.ctx, new BodyTarget(this.channel, (n) => this.#count(n)));
  }

  /**
   * WIT: `finish: static func(this: outgoing-body, trailers: option<trailers>) -> result<_, error-code>;`
   * Ends the body cleanly once the channel has drained into the socket.
   * Errors: `HTTP-response-body-size` when the body is not as long as its `content-length`
   * (the body is then aborted: the client sees a truncated response).
   */
  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    body.#finished = true;
    // Checked first, as wasmtime does: a body that went past its length, or whose client left
    // short of it, did not match it either.
    if (body.declared !== null && body.#written !== body.declared) {
      body.channel.truncate();
      throw new WitError<ErrorCode>(
        bodySizeError(body.#written),
        `outgoing-body.finish after ${body.#written} of its content-length ${body.declared} bytes`,
      );
    }
    if (body.channel.ended) return;
    const entries = trailers?.list.map(([n, v]): [string, string] => [
      n,
      Buffer.from(v).toString("latin1"),
    ]);
    body.channel.finish(entries);
  }

  /** Dropped without `finish` (wasmtime: abort): the client gets a truncated stream. */
  [Symbol.dispose](): void {
    if (!this.#finished) this.channel.truncate();
  }
}

/** WIT: `resource outgoing-response` */
export class OutgoingResponse {
  readonly ctx: WasiContext;
  readonly headerFields: Fields;
  status = 200;
  /** The body, once the guest has taken it. */
  takenBody: OutgoingBody | null = null;

  /** WIT: `constructor(headers: headers);` (created through a per-process shim, see types.ts) */
  constructor(ctx: WasiContext, headers: Fields) {
    this.ctx = ctx;
    this.headerFields = headers.freeze();
  }

  /** WIT: `status-code: func() -> status-code;` */
  statusCode(): number {
    return this.status;
  }

  /** WIT: `set-status-code: func(status-code: status-code) -> result;` Errors: outside 100-999. */
  setStatusCode(status: number): void {
    if (!Number.isInteger(status) || status < STATUS_MIN || status > STATUS_MAX) {
      throw new WitError(undefined, `invalid status code ${status}`);
    }
    this.status = status;
  }

  /** WIT: `headers: func() -> headers;` Immutable. */
  headers(): Fields {
    return this.headerFields;
  }

  /**
   * WIT: `body: func() -> result<outgoing-body>;` The body is held to the headers'
   * `content-length`, if any.
   * Errors: when called twice; when `content-length` is not `1*DIGIT` or its values disagree
   * (as wasmtime).
   */
  body(): OutgoingBody {
    if (this.takenBody !== null) {
      throw new WitError(undefined, "outgoing-response.body called twice");
    }
    const declared = declaredLength(this.headerFields.list);
    if (declared === "invalid") {
      throw new WitError(undefined, "outgoing-response.body: invalid content-length");
    }
    this.takenBody = new OutgoingBody(this.ctx, declared);
    return this.takenBody;
  }
}

/** WIT: `resource response-outparam` */
export class ResponseOutparam {
  readonly ctx: WasiContext;
  #set = false;

  /** Host-only constructor: the outparam of `ctx.exchange`. */
  constructor(ctx: WasiContext) {
    this.ctx = ctx;
  }

  /** True once `set` was called. */
  get isSet(): boolean {
    return this.#set;
  }

  /**
   * WIT: `set: static func(param: response-outparam, response: result<outgoing-response, error-code>);`
   * Sends the response head (within this event-loop turn). A response whose body was never
   * taken has an empty body.
   * Traps: when set twice.
   */
  static set(
    param: ResponseOutparam,
    response: { tag: "ok"; val: OutgoingResponse } | { tag: "err"; val: ErrorCode },
  ): void {
    if (param.#set) trap("response-outparam.set called twice");
    param.#set = true;
    const exchange = param.ctx.exchange;
    // Already answered by rusm:guest/sse.open: this response is dropped (wit/sse.wit says so).
    if (exchange.responded) return;
    if (response.tag === "err") {
      exchange.fail(`the component answered with error-code ${describeErrorCode(response.val)}`);
      return;
    }
    const res = response.val;
    let channel: ByteChannel;
    if (res.takenBody === null) {
      channel = new ByteChannel(1);
      channel.finish();
    } else {
      channel = res.takenBody.channel;
    }
    exchange.respond(res.status, [...res.headerFields.list], channel);
  }
}
