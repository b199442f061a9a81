/**
 * @module config
 * Loads and validates routes.toml. Every error is a RusmError with `where` = file:line:column
 * of the offending key or value and a `hint`.
 */

export type {
  AdminConfig,
  ComponentConfig,
  Config,
  Listen,
  RouteConfig,
  SourceEngine,
  TlsConfig,
} from "./types.ts";
export type { LoadConfigOptions } from "./load.ts";
export { loadComponentConfig, loadConfig } from "./load.ts";
export { parseConfig } from "./parse.ts";
export { isLoopback, parseListen } from "./listen.ts";
export { parseRouteKey, parseRouteTarget, type RouteKey, type RouteTargetSpec } from "./routes.ts";
export { DEFAULTS } from "./schema.ts";
