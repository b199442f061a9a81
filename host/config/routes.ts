/**
 * @module config/routes
 * Parses a `[serve.routes]` key: `"METHOD /path"`, or `"/path"` for any method. The path
 * syntax (params, `*` tail) is router/pattern's, so config and router cannot disagree.
 */

import { METHODS } from "node:http";
import { parsePattern } from "../router/pattern.ts";

/** A parsed route key. */
export interface RouteKey {
  /** Upper-case method, or null for any method. */
  method: string | null;
  path: string;
}

/** What a route key looks like, for error messages. */
export const ROUTE_KEY_EXPECTED = `"METHOD /path", or "/path" for any method`;

/** Parses a route key; `reason` says what is wrong when it is invalid. Never throws. */
export function parseRouteKey(
  key: string,
): { ok: true; route: RouteKey } | { ok: false; reason: string } {
  const words = key.trim().split(/\s+/);
  if (words.length > 2) {
    return { ok: false, reason: `expected ${ROUTE_KEY_EXPECTED}, found ${words.length} words` };
  }
  const [first = "", second] = words;
  const method = second === undefined ? null : first;
  const path = second ?? first;
  if (method !== null && !METHODS.includes(method)) {
    const upper = method.toUpperCase();
    const reason = METHODS.includes(upper)
      ? `method "${method}" must be upper case ("${upper}")`
      : `"${method}" is not an HTTP method (e.g. GET, POST, PUT, DELETE)`;
    return { ok: false, reason };
  }
  const parsed = parsePattern(path);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  return { ok: true, route: { method, path } };
}

/** What a route leads to: a component by name, or a handler of a handler module. */
export type RouteTargetSpec =
  { kind: "component"; component: string } | { kind: "handler"; module: string; function: string };

/** What a route value looks like, for error messages. */
export const ROUTE_TARGET_EXPECTED = `a component name ("ticks") or a handler ("module#function", e.g. "api#feed")`;

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Parses a `[serve.routes]` value; `reason` says what is wrong when it is invalid. */
export function parseRouteTarget(
  value: string,
): { ok: true; target: RouteTargetSpec } | { ok: false; reason: string } {
  if (!value.includes("#")) return { ok: true, target: { kind: "component", component: value } };
  const parts = value.split("#");
  const [module = "", fn = ""] = parts;
  if (parts.length !== 2 || !NAME.test(module) || !NAME.test(fn)) {
    return {
      ok: false,
      reason: `"${value}" is not a handler: write "module#function", each a letter, then letters, digits, "_" or "-"`,
    };
  }
  return { ok: true, target: { kind: "handler", module, function: fn } };
}
