/**
 * @module router/conflicts
 * Rejects route tables where two routes match the same requests.
 *
 * Two routes conflict when their paths have the same shape (parameter names erased, see
 * {@link shapeOf}) and some method reaches both: the same method, or either one has no method
 * (any method). A static segment against a parameter (`/users/me` vs `/users/:id`) is not a
 * conflict: the static one wins. `GET` against an explicit `HEAD` is not one either: the `HEAD`
 * route replaces the implicit HEAD-as-GET.
 *
 * find-my-way also throws on most of these (`Method 'GET' already declared for route
 * '/users/:'`), but its message names neither route and it never sees HEAD against an
 * any-method route (HEAD falls back to the GET table, see router/router), so the check is ours.
 */

import { RusmError, type SourceLocation } from "../errors.ts";

/** What the conflict check needs from a route. */
export interface ShapedRoute {
  /** An upper-case method, or null for any method. */
  method: string | null;
  /** From {@link shapeOf}. */
  shape: string;
  /** The route as the operator wrote it, e.g. `GET /users/:id`. */
  pattern: string;
  where?: SourceLocation | undefined;
}

/**
 * Throws for the first route (in order) that conflicts with an earlier one.
 *
 * Errors: `RUSM_ROUTE_CONFLICT`, `where` = the later route, the message naming both.
 */
export function checkConflicts(routes: readonly ShapedRoute[]): void {
  const byShape = new Map<string, ShapedRoute[]>();
  for (const route of routes) {
    const same = byShape.get(route.shape) ?? [];
    const earlier = same.find(
      (r) => r.method === null || route.method === null || r.method === route.method,
    );
    if (earlier !== undefined) throw conflict(route, earlier);
    same.push(route);
    byShape.set(route.shape, same);
  }
}

function conflict(later: ShapedRoute, earlier: ShapedRoute): RusmError {
  const line = earlier.where ? ` (line ${earlier.where.line})` : "";
  const method = later.method ?? earlier.method;
  const both = method === null ? `every method on ${later.shape}` : `${method} ${later.shape}`;
  return new RusmError(
    "RUSM_ROUTE_CONFLICT",
    `route "${later.pattern}" conflicts with "${earlier.pattern}"${line}: both match ${both}`,
    {
      where: later.where,
      hint: "remove one of the two routes, or give them different methods or paths",
    },
  );
}
