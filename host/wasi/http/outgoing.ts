/**
 * @module wasi/http/outgoing
 * `wasi:http/types@0.2.x` client side (`outgoing-request`, `request-options`) and
 * `wasi:http/outgoing-handler`. A process may fetch only the origins its component's
 * `allow-outbound` lists (outbound/policy.ts); `handle` starts the request (outbound/send.ts)
 * and returns a `future-incoming-response` (incoming-response.ts).
 */
import type { WasiContext } from "../context.ts";
import { WitError } from "../errors.ts";
import type { ErrorCode } from "./error-code.ts";
import type { Fields } from "./fields.ts";
import type { FutureIncomingResponse } from "./incoming-response.ts";
import { type Method, type Scheme } from "./method.ts";
import { RequestBodyStream } from "./outbound/request-body.ts";
import { OUTBOUND_TIMEOUTS, send } from "./outbound/send.ts";
import { OutgoingBody } from "./response.ts";
import { declaredLength } from "./content-length.ts";

function invalid(what: string): never {
  throw new WitError(undefined, `invalid ${what}`);
}

/** Headers undici sets itself or refuses (hop-by-hop); a guest's are dropped. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "te",
  "host",
]);

/** WIT: `resource outgoing-request` */
export class OutgoingRequest {
  readonly ctx: WasiContext;
  readonly #headers: Fields;
  #method: Method = { tag: "get" };
  #pathWithQuery: string | undefined;
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  /** The body, once the guest has taken it. */
  takenBody: OutgoingBody | null = null;

  /** WIT: `constructor(headers: headers);` (created through a per-process shim, see types.ts) */
  constructor(ctx: WasiContext, headers: Fields) {
    this.ctx = ctx;
    this.#headers = headers.freeze();
  }

  /**
   * WIT: `body: func() -> result<outgoing-body>;` Held to the headers' `content-length`, if any.
   * Errors: when called twice, or on an invalid `content-length`.
   */
  body(): OutgoingBody {
    if (this.takenBody !== null) invalid("second outgoing-request.body");
    const declared = declaredLength(this.#headers.list);
    if (declared === "invalid") invalid("content-length");
    this.takenBody = new OutgoingBody(this.ctx, declared, undefined);
    return this.takenBody;
  }
  /** WIT: `method: func() -> method;` */
  method(): Method {
    return this.#method;
  }
  /** WIT: `set-method: func(method: method) -> result;` */
  setMethod(method: Method): void {
    if (method.tag === "other" && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method.val)) {
      invalid("method");
    }
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

/** WIT: `resource request-options`: durations in nanoseconds; unset: rusm's defaults. */
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

/** A duration in ns as whole ms (at least 1), or `fallback` when unset. */
function toMs(ns: bigint | undefined, fallback: number): number {
  if (ns === undefined) return fallback;
  const ms = Number(ns / 1_000_000n);
  return Math.max(1, Math.min(ms, 2_147_483_647));
}

function methodName(method: Method): string {
  return method.tag === "other" ? method.val : method.tag.toUpperCase();
}

/** The request's URL. Errors: `HTTP-protocol-error` for another scheme, `HTTP-request-URI-invalid`. */
function requestUrl(request: OutgoingRequest): URL {
  const scheme = request.scheme();
  // As wasmtime: no scheme means HTTPS.
  const name = scheme === undefined ? "https" : scheme.tag === "other" ? scheme.val : scheme.tag;
  if (name.toLowerCase() !== "http" && name.toLowerCase() !== "https") {
    throw new WitError<ErrorCode>({ tag: "HTTP-protocol-error" }, `unsupported scheme ${name}`);
  }
  const authority = request.authority();
  const uriInvalid = (why: string): never => {
    throw new WitError<ErrorCode>({ tag: "HTTP-request-URI-invalid" }, why);
  };
  if (authority === undefined || authority === "") uriInvalid("the request has no authority");
  const path = request.pathWithQuery() ?? "/";
  if (!path.startsWith("/")) uriInvalid(`path-with-query ${path} does not start with /`);
  try {
    const url = new URL(`${name.toLowerCase()}://${authority}${path}`);
    if (url.username !== "" || url.password !== "") uriInvalid("user info in the authority");
    return url;
  } catch (err) {
    if (err instanceof WitError) throw err;
    return uriInvalid(`${authority}${path} is not a valid URL`);
  }
}

/** The `wasi:http/outgoing-handler` import namespace for one process. */
export function outgoingHandler(ctx: WasiContext) {
  return {
    /**
     * WIT: `handle: func(request: outgoing-request, options: option<request-options>) -> result<future-incoming-response, error-code>;`
     * Errors: `HTTP-request-denied` (origin not in `allow-outbound`), `connection-limit-reached`
     * (`max-outbound-per-process`), `HTTP-request-URI-invalid`, `HTTP-protocol-error` (a scheme
     * other than http or https), `HTTP-request-method-invalid` (CONNECT).
     */
    handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
      const url = requestUrl(request);
      const method = methodName(request.method());
      if (method === "CONNECT") {
        throw new WitError<ErrorCode>(
          { tag: "HTTP-request-method-invalid" },
          "CONNECT is not supported",
        );
      }
      // undici takes headers as a flat [name, value, name, value, ...] list.
      const headers: string[] = [];
      for (const [name, value] of request.headers().list) {
        if (!HOP_BY_HOP.has(name)) headers.push(name, Buffer.from(value).toString("latin1"));
      }
      let body: RequestBodyStream | null = null;
      const taken = request.takenBody;
      if (taken !== null) {
        const stream = new RequestBodyStream(ctx.bodyBufferBytes);
        body = stream;
        // The upstream went away (or the request failed): the guest's writes get `closed`.
        stream.once("close", () => taken.channel.close());
        taken.channel.attach(stream);
      }
      try {
        return send(ctx, {
          url,
          method,
          headers,
          body,
          connectMs: toMs(options?.connectTimeout(), OUTBOUND_TIMEOUTS.connectMs),
          firstByteMs: toMs(options?.firstByteTimeout(), OUTBOUND_TIMEOUTS.firstByteMs),
          betweenBytesMs: toMs(options?.betweenBytesTimeout(), OUTBOUND_TIMEOUTS.betweenBytesMs),
        });
      } catch (err) {
        body?.destroy(); // refused: the guest's body writes get `closed`
        throw err;
      }
    },
  };
}
