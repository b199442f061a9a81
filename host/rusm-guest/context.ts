/**
 * @module rusm-guest/context
 * `rusm:guest/context@0.1.0`: which handler a process serves (wit/context.wit).
 */
import type { PubSubContext } from "../rusm-pubsub/context.ts";
import type { WebSocketUpgrade } from "./websocket-connection.ts";

/** WIT: `record handler-target` — a route's `module#function` and the request's params. */
export interface HandlerTarget {
  readonly module: string;
  readonly function: string;
  /** Route parameters in pattern order, percent-decoded. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** The route as written in routes.toml. */
  readonly route: string;
}

/** What rusm:guest's host functions need of a process, on top of WASI's. */
export interface GuestContext extends PubSubContext {
  /** The handler this process was started for; null when routed by component name. */
  readonly target: HandlerTarget | null;
  /** The WebSocket upgrade this process serves (a `websocket` handler); else null. */
  readonly upgrade: WebSocketUpgrade | null;
}

/** The per-process `rusm:guest/context` import. */
export function context(ctx: GuestContext): object {
  return {
    /** WIT: `target: func() -> option<handler-target>;` */
    target(): HandlerTarget | undefined {
      return ctx.target ?? undefined;
    },
  };
}
