/**
 * @module rusm-guest
 * The host side of `rusm:guest@0.1.0` (wit/): context.ts, sse.ts and process.ts, listed for the
 * import object by catalog/rusm.ts. What the rest of the host needs of it is re-exported here.
 */
export type { GuestContext, HandlerTarget } from "./context.ts";
export { GuestAbort } from "./process.ts";

/** The handler-module manifest export (wit/manifest.wit), unversioned. */
export const MANIFEST_EXPORT = "rusm:guest/manifest";
