/**
 * @module wasi/http/request
 * `wasi:http/types@0.2.x` incoming side: `incoming-request`, `incoming-body`, `future-trailers`.
 * The request is created by the host for the process; its body streams from the socket.
 */
import type { WasiContext } from "../context.ts";
import { WitError } from "../errors.ts";
import { Pollable } from "../io/poll.ts";
import type { Readiness } from "../io/readiness.ts";
import { InputStream } from "../io/streams.ts";
import type { RequestBodySource } from "./exchange.ts";
import { Fields } from "./fields.ts";
import { toMethod, toScheme, type Method, type Scheme } from "./method.ts";

/** `result<T>` with no error payload: thrown as a WitError whose payload is undefined. */
function unitError(message: string): never {
  throw new WitError(undefined, message);
}

/** WIT: `resource incoming-request` */
export class IncomingRequest {
  readonly ctx: WasiContext;
  #headers: Fields | undefined;
  #consumed = false;

  /** Host-only constructor: the request of `ctx.exchange`. */
  constructor(ctx: WasiContext) {
    this.ctx = ctx;
  }

  /** WIT: `method: func() -> method;` */
  method(): Method {
    return toMethod(this.ctx.exchange.request.method);
  }

  /** WIT: `path-with-query: func() -> option<string>;` */
  pathWithQuery(): string | undefined {
    return this.ctx.exchange.request.pathWithQuery;
  }

  /** WIT: `scheme: func() -> option<scheme>;` */
  scheme(): Scheme | undefined {
    return toScheme(this.ctx.exchange.request.scheme);
  }

  /** WIT: `authority: func() -> option<string>;` */
  authority(): string | undefined {
    return this.ctx.exchange.request.authority;
  }

  /** WIT: `headers: func() -> headers;` Immutable. */
  headers(): Fields {
    this.#headers ??= Fields.fromHost(this.ctx.exchange.request.headers, true);
    return this.#headers;
  }

  /** WIT: `consume: func() -> result<incoming-body>;` Errors: when called twice. */
  consume(): IncomingBody {
    if (this.#consumed) unitError("incoming-request.consume called twice");
    this.#consumed = true;
    return new IncomingBody(this.ctx, this.ctx.exchange.requestBody());
  }
}

/** WIT: `resource incoming-body` */
export class IncomingBody {
  readonly ctx: WasiContext;
  readonly source: RequestBodySource;
  #streamTaken = false;
  #finished = false;

  /** Host-only constructor. */
  constructor(ctx: WasiContext, source: RequestBodySource) {
    this.ctx = ctx;
    this.source = source;
  }

  /** WIT: `%stream: func() -> result<input-stream>;` Errors: when called twice. */
  stream(): InputStream {
    if (this.#streamTaken) unitError("incoming-body.stream called twice");
    this.#streamTaken = true;
    return new InputStream(this.ctx, this.source);
  }

  /** WIT: `finish: static func(this: incoming-body) -> future-trailers;` */
  static finish(body: IncomingBody): FutureTrailers {
    body.#finished = true;
    body.source.discard();
    return new FutureTrailers(body.ctx, body.source);
  }

  /** Dropped without `finish`: an outbound response's upstream connection is closed. */
  [Symbol.dispose](): void {
    if (!this.#finished) this.source.abandon?.();
  }
}

/** WIT: `resource future-trailers` */
export class FutureTrailers {
  readonly ctx: WasiContext;
  readonly #source: RequestBodySource;
  #taken = false;

  /** Host-only constructor. */
  constructor(ctx: WasiContext, source: RequestBodySource) {
    this.ctx = ctx;
    this.#source = source;
  }

  /** WIT: `subscribe: func() -> pollable;` Ready once the body has ended. */
  subscribe(): Pollable {
    const source = this.#source;
    const ended: Readiness = {
      isReady: () => source.trailers() !== undefined,
      whenReady: () => source.ended(),
    };
    return new Pollable(this.ctx, ended);
  }

  /**
   * WIT: `get: func() -> option<result<result<option<trailers>, error-code>>>;`
   * `none` until the body ended; the outer error when called again after a value.
   */
  get():
    | undefined
    | { tag: "err"; val: undefined }
    | { tag: "ok"; val: { tag: "ok"; val: Fields | undefined } | { tag: "err"; val: unknown } } {
    const trailers = this.#source.trailers();
    if (trailers === undefined) return undefined;
    if (this.#taken) return { tag: "err", val: undefined };
    this.#taken = true;
    // An outbound response body that failed (the upstream died): its error code.
    const error = this.#source.error?.();
    if (error !== undefined) return { tag: "ok", val: { tag: "err", val: error } };
    const val = trailers.length === 0 ? undefined : Fields.fromHost(trailers, true);
    return { tag: "ok", val: { tag: "ok", val } };
  }
}
