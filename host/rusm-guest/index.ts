/**
 * @module rusm-guest
 * Assembles the `rusm:guest@0.1.0` imports of one process (wit/), keyed as jco's glue asks
 * for them (no version).
 */
import { context, type GuestContext } from "./context.ts";
import { processInterface } from "./process.ts";
import { sse } from "./sse.ts";
import { websocket } from "./websocket.ts";

export type { GuestContext, HandlerTarget } from "./context.ts";
export { GuestAbort } from "./process.ts";
export type {
  CloseInfo,
  WebSocketUpgrade,
  WsConnection,
  WsIncoming,
} from "./websocket-connection.ts";

/** The version of rusm:guest this host implements. */
export const RUSM_GUEST_VERSION = "0.1.0";

/** The calls jco must lift as JSPI-suspending imports: every event-stream write, every wait or send of a websocket. */
export const RUSM_GUEST_BLOCKING_IMPORTS = [
  "rusm:guest/sse#[method]event-stream.data",
  "rusm:guest/sse#[method]event-stream.event",
  "rusm:guest/sse#[method]event-stream.send",
  "rusm:guest/sse#[method]event-stream.comment",
  "rusm:guest/sse#[method]event-stream.next",
  "rusm:guest/sse#[method]event-stream.run",
  "rusm:guest/websocket#[method]websocket.recv",
  "rusm:guest/websocket#[method]websocket.send-text",
  "rusm:guest/websocket#[method]websocket.send-binary",
  "rusm:guest/websocket#[method]websocket.run",
] as const;

/** The handler-module manifest export (wit/manifest.wit), unversioned. */
export const MANIFEST_EXPORT = "rusm:guest/manifest";

const PER_PROCESS: Record<string, (ctx: GuestContext) => object> = {
  "rusm:guest/context": context,
  "rusm:guest/sse": sse,
  "rusm:guest/websocket": websocket,
  "rusm:guest/process": () => processInterface,
};

/** The interfaces of rusm:guest the host provides (unversioned). */
export const RUSM_GUEST_INTERFACES: ReadonlySet<string> = new Set(Object.keys(PER_PROCESS));

/** Adds the rusm:guest imports for `ctx` to `imports`. */
export function addRusmGuestImports(imports: Record<string, object>, ctx: GuestContext): void {
  for (const [name, make] of Object.entries(PER_PROCESS)) imports[name] = make(ctx);
}
