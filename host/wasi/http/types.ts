/**
 * @module wasi/http/types
 * Assembles the `wasi:http/types@0.2.x` import namespace for one process.
 *
 * The resource classes are shared by every process (monomorphic code for V8); each instance
 * carries its process's {@link WasiContext}. The two resources a guest constructs and that need
 * the process (`outgoing-response`, `outgoing-request`, whose bodies are process channels) get a
 * per-process constructor shim whose `prototype` is the shared class's, so jco's `instanceof`
 * checks and `Object.create(prototype)` still see the shared class.
 */
import type { WasiContext } from "../context.ts";
import { httpErrorCode } from "./error-code.ts";
import { Fields } from "./fields.ts";
import { FutureIncomingResponse, IncomingResponse } from "./incoming-response.ts";
import { OutgoingRequest, RequestOptions } from "./outgoing.ts";
import { FutureTrailers, IncomingBody, IncomingRequest } from "./request.ts";
import { OutgoingBody, OutgoingResponse, ResponseOutparam } from "./response.ts";

/** A constructor that builds `Impl` instances bound to `ctx`, and passes `instanceof Impl`. */
function bindConstructor<A extends unknown[], T>(
  Impl: new (ctx: WasiContext, ...args: A) => T,
  ctx: WasiContext,
): new (...args: A) => T {
  const Bound = function (...args: A): T {
    return new Impl(ctx, ...args);
  } as unknown as new (...args: A) => T;
  Bound.prototype = Impl.prototype as object;
  return Bound;
}

/**
 * `fields` for one process: what the guest constructs (`new`, `from-list`) is charged to the
 * process's host memory. A shim like {@link bindConstructor}'s, with the static too.
 */
function processFields(ctx: WasiContext): typeof Fields {
  const Bound = function (): Fields {
    return Fields.forProcess(ctx.hostMemory);
  } as unknown as typeof Fields;
  Bound.prototype = Fields.prototype;
  Object.assign(Bound, {
    fromList: (entries: Parameters<typeof Fields.fromList>[0]) =>
      Fields.fromList(entries, ctx.hostMemory),
  });
  return Bound;
}

/** The `wasi:http/types` import namespace for one process. */
export function httpTypes(ctx: WasiContext) {
  return {
    Fields: processFields(ctx),
    IncomingRequest,
    IncomingBody,
    FutureTrailers,
    OutgoingResponse: bindConstructor(OutgoingResponse, ctx),
    OutgoingBody,
    ResponseOutparam,
    OutgoingRequest: bindConstructor(OutgoingRequest, ctx),
    RequestOptions,
    FutureIncomingResponse,
    IncomingResponse,
    httpErrorCode,
  };
}
