/**
 * @module wasi/http/incoming-response
 * `wasi:http/types@0.2.x` client-side results: `future-incoming-response` (what
 * `outgoing-handler.handle` returns) and `incoming-response`. The request itself runs in
 * outbound/send.ts; these are the guest's view of it.
 */
import type { WasiContext } from "../context.ts";
import { WitError } from "../errors.ts";
import { Pollable } from "../io/poll.ts";
import type { Readiness } from "../io/readiness.ts";
import type { ErrorCode } from "./error-code.ts";
import type { FieldEntry } from "./exchange.ts";
import { Fields } from "./fields.ts";
import { IncomingBody } from "./request.ts";
import type { ResponseBody } from "./outbound/response-body.ts";

/** WIT: `resource incoming-response` */
export class IncomingResponse {
  readonly ctx: WasiContext;
  readonly #status: number;
  readonly #headerEntries: FieldEntry[];
  #headers: Fields | undefined;
  readonly #body: ResponseBody;
  #consumed = false;

  /** Host-only constructor. */
  constructor(ctx: WasiContext, status: number, headers: FieldEntry[], body: ResponseBody) {
    this.ctx = ctx;
    this.#status = status;
    this.#headerEntries = headers;
    this.#body = body;
  }

  /** WIT: `status: func() -> status-code;` */
  status(): number {
    return this.#status;
  }

  /** WIT: `headers: func() -> headers;` Immutable. */
  headers(): Fields {
    this.#headers ??= Fields.fromHost(this.#headerEntries, true);
    return this.#headers;
  }

  /** WIT: `consume: func() -> result<incoming-body>;` Errors: when called twice. */
  consume(): IncomingBody {
    if (this.#consumed) throw new WitError(undefined, "incoming-response.consume called twice");
    this.#consumed = true;
    return new IncomingBody(this.ctx, this.#body);
  }

  /** Dropped without its body taken: the upstream connection is closed. */
  [Symbol.dispose](): void {
    if (!this.#consumed) this.#body.abandon();
  }
}

/** What a request came to: a response, or the error code it failed with. */
export type Outcome = { tag: "ok"; val: IncomingResponse } | { tag: "err"; val: ErrorCode };

/** WIT: `resource future-incoming-response` */
export class FutureIncomingResponse {
  readonly ctx: WasiContext;
  #outcome: Outcome | null = null;
  #taken = false;
  readonly #settled = Promise.withResolvers<void>();
  readonly #abort: () => void;

  /** Host-only constructor; `abort` ends the request (the guest dropped this unsettled). */
  constructor(ctx: WasiContext, abort: () => void) {
    this.ctx = ctx;
    this.#abort = abort;
  }

  /** The request settled (host side, once). */
  settle(outcome: Outcome): void {
    if (this.#outcome !== null) return;
    this.#outcome = outcome;
    this.#settled.resolve();
  }

  /** WIT: `subscribe: func() -> pollable;` Ready once the response head (or an error) is in. */
  subscribe(): Pollable {
    const readiness: Readiness = {
      isReady: () => this.#outcome !== null,
      whenReady: () => this.#settled.promise,
    };
    return new Pollable(this.ctx, readiness);
  }

  /**
   * WIT: `get: func() -> option<result<result<incoming-response, error-code>>>;`
   * `none` until settled; the outer error when called again after a value.
   */
  get(): undefined | { tag: "err"; val: undefined } | { tag: "ok"; val: Outcome } {
    if (this.#outcome === null) return undefined;
    if (this.#taken) return { tag: "err", val: undefined };
    this.#taken = true;
    return { tag: "ok", val: this.#outcome };
  }

  /** Dropped before its outcome was taken: the request is aborted (its upstream closed). */
  [Symbol.dispose](): void {
    if (!this.#taken) this.#abort();
  }
}
