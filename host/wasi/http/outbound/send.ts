/**
 * @module wasi/http/outbound/send
 * One outbound request of a process, over undici: checked against the component's
 * `allow-outbound`, counted against `max-outbound-per-process`, its body streamed from the
 * guest, its response settled into a {@link FutureIncomingResponse}, its body streamed back
 * through a bounded queue (response-body.ts).
 *
 * A request is open from `handle` until its response body ended, failed or was dropped (or the
 * request failed). It is owned by the process: the process's exit aborts it (the upstream
 * connection is closed). Redirects are not followed: a 3xx is the guest's to act on.
 */
import type { WasiContext } from "../../context.ts";
import { WitError } from "../../errors.ts";
import type { ErrorCode } from "../error-code.ts";
import type { FieldEntry } from "../exchange.ts";
import { FutureIncomingResponse, IncomingResponse } from "../incoming-response.ts";
import { agentFor } from "./agents.ts";
import { errorCodeFrom } from "./error-map.ts";
import { RequestBodyStream } from "./request-body.ts";
import { ResponseBody } from "./response-body.ts";

/** Defaults for `request-options` the guest leaves unset, in ms (docs/outbound.md). */
export const OUTBOUND_TIMEOUTS = {
  connectMs: 10_000,
  firstByteMs: 60_000,
  betweenBytesMs: 300_000,
} as const;

/** What the guest asked for, checked and spelled for undici. */
export interface OutboundCall {
  readonly url: URL;
  readonly method: string;
  /** Flat: name, value, name, value... (undici's form). */
  readonly headers: string[];
  /** The request body's channel side, or null for no body. */
  readonly body: RequestBodyStream | null;
  readonly connectMs: number;
  readonly firstByteMs: number;
  readonly betweenBytesMs: number;
}

/** Requests open per process (`max-outbound-per-process`). */
const OPEN = new WeakMap<WasiContext, number>();

/** The requests `ctx` has open now. */
export function openRequests(ctx: WasiContext): number {
  return OPEN.get(ctx) ?? 0;
}

function fail(code: ErrorCode, message: string): never {
  throw new WitError<ErrorCode>(code, message);
}

/** undici's response headers as WASI fields (names lower-case, values as sent). */
function toFields(headers: Record<string, string | string[] | undefined>): FieldEntry[] {
  const out: FieldEntry[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      out.push([name.toLowerCase(), Buffer.from(v, "latin1")]);
    }
  }
  return out;
}

/**
 * Starts `call` for the process `ctx`. Errors (returned by `handle`): `HTTP-request-denied`
 * when `allow-outbound` does not list its origin (logged, counted),
 * `connection-limit-reached` at `max-outbound-per-process`.
 */
export function send(ctx: WasiContext, call: OutboundCall): FutureIncomingResponse {
  const access = ctx.outbound;
  const rule = access.policy.match(call.url);
  if (rule === null) {
    const why = access.policy.empty
      ? "allow-outbound is empty"
      : "allow-outbound does not list its origin";
    access.denied(call.url.href, why);
    fail({ tag: "HTTP-request-denied" }, `outbound request to ${call.url.href} denied: ${why}`);
  }
  const open = openRequests(ctx);
  if (open >= access.maxOpen) {
    fail(
      { tag: "connection-limit-reached" },
      `the process has ${open} outbound requests open, its max-outbound-per-process`,
    );
  }
  OPEN.set(ctx, open + 1);

  const started = performance.now();
  const controller = new AbortController();
  const origin = call.url.origin;
  let done = false;
  let unown: () => void = () => undefined;
  /** The request is over: counted once, its slot and ownership released. */
  const finish = (status: string): void => {
    if (done) return;
    done = true;
    OPEN.set(ctx, openRequests(ctx) - 1);
    unown();
    access.finished(origin, status, (performance.now() - started) / 1000);
  };
  const abort = (): void => {
    if (done) return;
    controller.abort(new Error("the process ended its outbound request"));
    call.body?.destroy();
    finish("aborted");
  };
  const future = new FutureIncomingResponse(ctx, abort);
  unown = ctx.own({ dispose: abort });

  const failed = (err: unknown): void => {
    const code = errorCodeFrom(err);
    call.body?.destroy();
    finish(code.tag);
    future.settle({ tag: "err", val: code });
  };
  agentFor(access.policy, call.connectMs)
    .request({
      origin,
      path: `${call.url.pathname}${call.url.search}`,
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: controller.signal,
      headersTimeout: call.firstByteMs,
      bodyTimeout: call.betweenBytesMs,
      highWaterMark: ctx.bodyBufferBytes,
    })
    .then((res) => {
      if (done) {
        res.body.destroy();
        return;
      }
      const body = new ResponseBody(res.body, res.trailers, ctx.bodyBufferBytes, (error) =>
        finish(error === null ? String(res.statusCode) : error.tag),
      );
      const headers = toFields(res.headers);
      future.settle({ tag: "ok", val: new IncomingResponse(ctx, res.statusCode, headers, body) });
    }, failed);
  return future;
}
