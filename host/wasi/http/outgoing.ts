/**
 * @module wasi/http/outgoing
 * `wasi:http/types@0.2.x` client side (`outgoing-request`, `request-options`,
 * `future-incoming-response`, `incoming-response`) and `wasi:http/outgoing-handler`.
 *
 * rusm does not let processes make outgoing requests yet: a guest can build a request, but
 * `outgoing-handler.handle` answers `HTTP-request-denied`. The classes exist because guests
 * (StarlingMonkey's `fetch`) import them.
 */
import type { WasiContext } from "../context.ts";
import { WitError } from "../errors.ts";
import type { ErrorCode } from "./error-code.ts";
import type { Fields } from "./fields.ts";
import { type Method, type Scheme } from "./method.ts";
import { OutgoingBody } from "./response.ts";

function invalid(what: string): never {
  throw new WitError(undefined, `invalid ${what}`);
}

/** WIT: `resource outgoing-request` */
export class OutgoingRequest {
  readonly ctx: WasiContext;
  readonly #headers: Fields;
  #method: Method = { tag: "get" };
  #pathWithQuery: string | undefined;
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #bodyTaken = false;

  /** WIT: `constructor(headers: headers);` (created through a per-process shim, see types.ts) */
  constructor(ctx: WasiContext, headers: Fields) {
    this.ctx = ctx;
    this.#headers = headers.freeze();
  }

  /** WIT: `body: func() -> result<outgoing-body>;` */
  body(): OutgoingBody {
    if (this.#bodyTaken) invalid("second outgoing-request.body");
    this.#bodyTaken = true;
    return new OutgoingBody(this.ctx);
  }
  /** WIT: `method: func() -> method;` */
  method(): Method {
    return this.#method;
  }
  /** WIT: `set-method: func(method: method) -> result;` */
  setMethod(method: Method): void {
    this.#method = method;
  }
  /** WIT: `path-with-query: func() -> option<string>;` */
  pathWithQuery(): string | undefined {
    return this.#pathWithQuery;
  }
  /** WIT: `set-path-with-query: func(path-with-query: option<string>) -> result;` */
  setPathWithQuery(path: string | undefined): void {
    if (path !== undefined && /[\s]/.test(path)) invalid("path-with-query");
    this.#pathWithQuery = path;
  }
  /** WIT: `scheme: func() -> option<scheme>;` */
  scheme(): Scheme | undefined {
    return this.#scheme;
  }
  /** WIT: `set-scheme: func(scheme: option<scheme>) -> result;` */
  setScheme(scheme: Scheme | undefined): void {
    this.#scheme = scheme;
  }
  /** WIT: `authority: func() -> option<string>;` */
  authority(): string | undefined {
    return this.#authority;
  }
  /** WIT: `set-authority: func(authority: option<string>) -> result;` */
  setAuthority(authority: string | undefined): void {
    if (authority !== undefined && /[\s/]/.test(authority)) invalid("authority");
    this.#authority = authority;
  }
  /** WIT: `headers: func() -> headers;` Immutable. */
  headers(): Fields {
    return this.#headers;
  }
}

/** WIT: `resource request-options` — kept, never used (requests are denied). */
export class RequestOptions {
  #connect: bigint | undefined;
  #firstByte: bigint | undefined;
  #betweenBytes: bigint | undefined;

  connectTimeout(): bigint | undefined {
    return this.#connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.#connect = d;
  }
  firstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.#firstByte = d;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.#betweenBytes = d;
  }
}

/** WIT: `resource future-incoming-response` (never handed out: requests are denied) */
export class FutureIncomingResponse {}
/** WIT: `resource incoming-response` (never handed out) */
export class IncomingResponse {}

/** The `wasi:http/outgoing-handler` import namespace. */
export const outgoingHandler = {
  /**
   * WIT: `handle: func(request: outgoing-request, options: option<request-options>) -> result<future-incoming-response, error-code>;`
   * Errors: always `HTTP-request-denied`: rusm does not grant outgoing HTTP yet.
   */
  handle(): never {
    throw new WitError<ErrorCode>(
      { tag: "HTTP-request-denied" },
      "outgoing HTTP requests are denied",
    );
  },
} as const;
