/**
 * @module wasi
 * WASI 0.2.x's host side: the implementations in this folder, listed for the import object by
 * catalog/wasi.ts. What the rest of the host needs of it is re-exported here.
 */
import { IncomingRequest } from "./http/request.ts";
import { ResponseOutparam } from "./http/response.ts";

export type { WasiContext, Disposable } from "./context.ts";
export type {
  HttpExchange,
  IncomingRequestData,
  RequestBodySource,
  FieldEntry,
} from "./http/exchange.ts";
export { WitError, GuestTrap } from "./errors.ts";
export type { OutboundAccess, OutboundObserver } from "./http/outbound/access.ts";
export { IGNORE_OUTBOUND, NO_OUTBOUND } from "./http/outbound/access.ts";
export { policyFor } from "./http/outbound/policy.ts";
export { IncomingRequest, ResponseOutparam };

/** The export jco must lift with `WebAssembly.promising` (`--async-exports`). */
export const HANDLER_EXPORT = "wasi:http/incoming-handler#handle";
