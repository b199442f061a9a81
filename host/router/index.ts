/**
 * @module router
 * Method + path matching with params; pure. See router/router for the precedence rules and
 * router/pattern for the path syntax.
 */

export { createRouter, type RouteResult, type RouteSpec, type Router } from "./router.ts";
export { parsePattern, shapeOf, type ParsedPattern, type Segment } from "./pattern.ts";
export { checkConflicts, type ShapedRoute } from "./conflicts.ts";
