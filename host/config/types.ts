/**
 * @module config/types
 * The validated configuration, as the rest of rusm sees it (camelCase, defaults applied,
 * paths absolute, every item with the location it came from).
 */

import type { SourceLocation } from "../errors.ts";
import type { Listen } from "./listen.ts";
import type { RouteTargetSpec } from "./routes.ts";
import type { OutboundRule } from "./outbound.ts";

export type { Listen } from "./listen.ts";
export type { RouteTargetSpec } from "./routes.ts";
export type { OutboundRule } from "./outbound.ts";

/** What a full subscriber mailbox does (`[broker] overflow`), see services/broker. */
export const OVERFLOW_POLICIES = ["drop-oldest", "drop-subscriber"] as const;
export type Overflow = (typeof OVERFLOW_POLICIES)[number];

/** Where preemption checks go (`preempt`), see preempt/instrument. */
export const PREEMPT_PLACEMENTS = ["loops", "calls", "kill", "none"] as const;
export type PreemptPlacement = (typeof PREEMPT_PLACEMENTS)[number];

/** The engines a TypeScript `source` is built with (`engine`), as `rusm build --engine`. */
export const SOURCE_ENGINES = ["starlingmonkey", "quickjs"] as const;
export type SourceEngine = (typeof SOURCE_ENGINES)[number];

/** A process's limits, the component's own values, else `[serve]`'s. */
export interface ProcessLimits {
  /** CPU time a process may use (parked time not counted); 0: no budget. */
  maxCpuMs: number;
  preempt: PreemptPlacement;
  /** No response head by then: 504 and the process is killed; null: no limit. */
  timeToHeadMs: number | null;
  /** The process is killed (its body truncated) after this long; null: no limit. */
  maxDurationMs: number | null;
  /** What the process may make the host hold (fields, resources), in MiB; over it: `oom`. */
  maxHostMemoryMb: number;
  /** `allow-outbound`: the origins it may fetch (none by default). */
  allowOutbound: readonly OutboundRule[];
  /** `max-outbound-per-process`: outbound requests it may have open at once. */
  maxOutbound: number;
}

/** The public listener's socket timeouts, in ms (0: none). Responses are never cut by them. */
export interface SocketTimeouts {
  /** A new connection's idle time before its first request arrives. */
  firstByteMs: number;
  /** From a request's first byte (a connection's start, for its first) to its whole head. */
  headersMs: number;
  /** A keep-alive connection's idle time between a response's end and the next request. */
  keepAliveMs: number;
}

/** One `[components]` entry. */
export interface ComponentConfig {
  name: string;
  /** Absolute: resolved against the directory of routes.toml. */
  path: string;
  /** The component's own value, else `[serve]`'s. */
  maxMemoryMb: number;
  /** The component's own value, else `[serve]`'s. */
  bodyBufferKb: number;
  /** `pool`: idle memories kept for reuse; undefined: sized by the component's memory. */
  pool: number | undefined;
  /** `prewarm`: fresh instances made ahead of requests (default 0). */
  prewarm: number;
  limits: ProcessLimits;
  /** The component's key. */
  where: SourceLocation;
  /** The path value (same line as `where` in the string form), for errors about the file. */
  pathWhere: SourceLocation;
  /**
   * `source`: the guest's source, absolute (a .ts/.js entry or a Cargo project), which
   * `rusm dev` builds into `path`; null when not given. `rusm serve` ignores it.
   */
  source: string | null;
  /** `engine`: how `rusm dev` builds a TypeScript source (default StarlingMonkey). */
  engine: SourceEngine;
}

/** One `[serve.routes]` entry. */
export interface RouteConfig {
  /** Upper-case method, or null for any method. */
  method: string | null;
  /** In router/pattern syntax, e.g. `/users/:id`. */
  path: string;
  /** A key of {@link Config.components}, or a handler checked once components are loaded. */
  target: RouteTargetSpec;
  /** The key as written, e.g. `GET /users/:id`. */
  pattern: string;
  /** The route's key. */
  where: SourceLocation;
  /** The route's value (its target). */
  targetWhere: SourceLocation;
}

/** `[serve] tls`: the public listener serves HTTPS (HTTP/2 and HTTP/1.1, ALPN). */
export interface TlsConfig {
  /** Absolute: resolved against the directory of routes.toml. */
  certFile: string;
  keyFile: string;
  /** The `cert` and `key` values, for errors about the files. */
  certWhere: SourceLocation;
  keyWhere: SourceLocation;
  /** The PEM texts, read and checked by loadConfig (config/tls.ts); null until then. */
  pem: { cert: string; key: string } | null;
}

/** `[admin]`. */
export interface AdminConfig {
  /** Loopback, unless `allowPublic`. */
  listen: Listen;
  /** `allow-public`: a non-loopback `listen` was allowed (default false). */
  allowPublic: boolean;
  /** `token`: what `POST /publish` needs as `Authorization: Bearer <token>`; null: nothing. */
  token: string | null;
}

/** A validated routes.toml. */
export interface Config {
  /** Absolute path of routes.toml. */
  file: string;
  serve: {
    listen: Listen;
    /** The file says `[serve] listen` (else the default; `RUSM_LISTEN` / `PORT` may fill it in). */
    listenGiven: boolean;
    maxMemoryMb: number;
    bodyBufferKb: number;
    poolIdleSeconds: number;
    /** Worker threads; null: one per core (`--workers` overrides). */
    workers: number | null;
    limits: ProcessLimits;
    /** Requests a worker holds at once, queued or running; past it: 503. */
    maxInFlight: number;
    /** Requests of one connection started at once; later pipelined ones wait. */
    maxPipelined: number;
    /** How long a shutdown waits for finite requests. */
    drainMs: number;
    /** `access-log`: one JSON line per request on stdout (server/access-log.ts). */
    accessLog: boolean;
    timeouts: SocketTimeouts;
    /** `max-message-kb` and `ping-timeout-ms`: a WebSocket's limits. */
    websocket: { maxMessageKb: number; pingTimeoutMs: number };
    /** `tls`: HTTPS with HTTP/2 on the public listener; null: plain HTTP/1.1. */
    tls: TlsConfig | null;
  };
  admin: AdminConfig | null;
  /** `[broker]`, defaults applied. */
  broker: { backend: string; mailbox: number; overflow: Overflow };
  /** In file order. */
  components: Map<string, ComponentConfig>;
  /** In file order. */
  routes: RouteConfig[];
}
