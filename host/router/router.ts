/**
 * @module router/router
 * Method + path matching over find-my-way; pure (no I/O, no node:http objects).
 *
 * Precedence, in order:
 * 1. Path specificity, segment by segment from the left: static text beats a `:param`, which
 *    beats the `*` tail. find-my-way backtracks, so `GET /a/b/c` and `GET /a/:x/d` both work.
 * 2. Method filters, it does not rank: an any-method route sits in every method's table and
 *    competes on specificity alone (`GET /users/me` beats any-method `/users/:id` for
 *    `GET /users/me`; any-method `/users/me` beats `GET /users/:id` the same way).
 * 3. HEAD: a matching explicit `HEAD` route wins; otherwise HEAD is routed exactly as GET
 *    (any-method routes included), as RFC 9110 §9.3.2 has HEAD mirror GET.
 * 4. No match for the method but a match for others: `method-not-allowed` with the full, sorted
 *    `Allow` list (GET brings HEAD along); no match at all: `not-found`.
 * Two routes that would tie are rejected up front (router/conflicts).
 *
 * Request paths: the query (`?`) and fragment (`#`) are ignored, `;` is part of the path.
 * The path is percent-decoded before matching; parameter values are fully decoded (`%2F` gives
 * `/`); a malformed escape such as `%E0%A4%A` matches nothing. Matching is case-sensitive, the
 * trailing slash counts, `//` is not collapsed. Methods are compared as given (node:http
 * upper-cases them); a method node:http does not know matches no route (it gets
 * method-not-allowed where the path has routes).
 */

import { METHODS } from "node:http";
import FindMyWay from "find-my-way";
import { RusmError, type SourceLocation } from "../errors.ts";
import { checkConflicts } from "./conflicts.ts";
import { parsePattern, shapeOf, toFindMyWay } from "./pattern.ts";

/** One route to compile. `pattern` is how the operator wrote it, for error messages. */
export interface RouteSpec<T> {
  /** An upper-case HTTP method, or null for any method. */
  method: string | null;
  /** A path in router/pattern syntax, e.g. `/users/:id`. */
  path: string;
  target: T;
  where?: SourceLocation | undefined;
  pattern: string;
}

/** The outcome of {@link Router.match}. */
export type RouteResult<T> =
  | { kind: "found"; target: T; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

/** A compiled route table. */
export interface Router<T> {
  /** Routes a request; `pathWithQuery` is the request target as received. */
  match(method: string, pathWithQuery: string): RouteResult<T>;
}

type Method = FindMyWay.HTTPMethod;

// find-my-way silently fails a match when a parameter is longer than this (default 100, so
// `/users/<101 chars>` was a 404). 64 KiB is above node:http's 16 KiB header limit: no cap.
const MAX_PARAM_LENGTH = 65_536;
// Any-method routes go in every table but HEAD's: HEAD falls back to GET's table (rule 3).
const ANY_METHODS = METHODS.filter((m) => m !== "HEAD") as Method[];
const noop = (): undefined => undefined;

/**
 * Compiles routes into a {@link Router}.
 *
 * Errors: `RUSM_CONFIG_INVALID` for a path outside router/pattern syntax or an unknown method;
 * `RUSM_ROUTE_CONFLICT` when two routes match the same requests (`where` = the later one).
 */
export function createRouter<T>(routes: ReadonlyArray<RouteSpec<T>>): Router<T> {
  const compiled = routes.map((route) => ({ ...route, ...compile(route) }));
  checkConflicts(compiled);

  const fmw = FindMyWay({ maxParamLength: MAX_PARAM_LENGTH });
  const explicit = new Set<string>();
  for (const route of compiled) {
    if (route.method !== null) explicit.add(route.method);
    const methods = route.method === null ? ANY_METHODS : [route.method as Method];
    try {
      // find-my-way turns a falsy store into null, so the store is a box, not the index.
      fmw.on(methods, route.fmwPath, noop, { target: route.target });
    } catch (cause) {
      // Unreachable once checkConflicts passed; kept so a find-my-way rule we missed still
      // names the route.
      throw new RusmError("RUSM_ROUTE_CONFLICT", `route "${route.pattern}": ${String(cause)}`, {
        where: route.where,
        cause,
      });
    }
  }

  const lookup = (
    method: string,
    path: string,
  ): FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null =>
    fmw.find(method as Method, path) ?? (method === "HEAD" ? fmw.find("GET", path) : null);

  return {
    match(method, pathWithQuery) {
      const hit = lookup(method, pathWithQuery);
      if (hit !== null) {
        // fromEntries defines own properties, so a parameter called `__proto__` stays a value.
        const params = Object.fromEntries(
          Object.entries(hit.params).filter((e): e is [string, string] => e[1] !== undefined),
        );
        return { kind: "found", target: (hit.store as { target: T }).target, params };
      }
      const allow = new Set<string>();
      for (const other of explicit) {
        if (other === method || lookup(other, pathWithQuery) === null) continue;
        allow.add(other);
        if (other === "GET") allow.add("HEAD");
      }
      if (allow.size === 0) return { kind: "not-found" };
      return { kind: "method-not-allowed", allow: [...allow].sort() };
    },
  };
}

function compile(route: RouteSpec<unknown>): { shape: string; fmwPath: string } {
  if (route.method !== null && !METHODS.includes(route.method)) {
    throw new RusmError(
      "RUSM_CONFIG_INVALID",
      `route "${route.pattern}": unknown method "${route.method}"`,
      {
        where: route.where,
        hint: `use one of ${METHODS.join(", ")}, or no method for any`,
      },
    );
  }
  const parsed = parsePattern(route.path);
  if (!parsed.ok) {
    throw new RusmError("RUSM_CONFIG_INVALID", `route "${route.pattern}": ${parsed.reason}`, {
      where: route.where,
    });
  }
  return { shape: shapeOf(parsed.segments), fmwPath: toFindMyWay(parsed.segments) };
}
