/**
 * @module config/types
 * The validated configuration, as the rest of rusm sees it (camelCase, defaults applied,
 * paths absolute, every item with the location it came from).
 */

import type { SourceLocation } from "../errors.ts";
import type { Listen } from "./listen.ts";
import type { RouteTargetSpec } from "./routes.ts";

export type { Listen } from "./listen.ts";
export type { RouteTargetSpec } from "./routes.ts";

/** What a full subscriber mailbox does (`[broker] overflow`), see services/broker. */
export const OVERFLOW_POLICIES = ["drop-oldest", "drop-subscriber"] as const;
export type Overflow = (typeof OVERFLOW_POLICIES)[number];

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
  /** The component's key. */
  where: SourceLocation;
  /** The path value (same line as `where` in the string form), for errors about the file. */
  pathWhere: SourceLocation;
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

/** A validated routes.toml. */
export interface Config {
  /** Absolute path of routes.toml. */
  file: string;
  serve: { listen: Listen; maxMemoryMb: number; bodyBufferKb: number; poolIdleSeconds: number };
  admin: { listen: Listen } | null;
  /** `[broker]`, defaults applied. */
  broker: { backend: string; mailbox: number; overflow: Overflow };
  /** In file order. */
  components: Map<string, ComponentConfig>;
  /** In file order. */
  routes: RouteConfig[];
}
