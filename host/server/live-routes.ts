/**
 * @module server/live-routes
 * The routes and components a server serves now: a router whose table can be swapped whole
 * (`rusm dev`). A request reads the table once, at its start, and its process keeps the
 * LoadedComponent it started with; so after a swap new requests get the new version while
 * processes already running finish on the old one, and streams of untouched components never
 * notice.
 */
import type { LoadedComponent } from "../component/load.ts";
import type { ComponentConfig, RouteConfig } from "../config/index.ts";
import { createRouter, type RouteResult, type Router } from "../router/index.ts";
import { resolveTargets, type RouteTarget } from "./targets.ts";

/** Loads one component (the server's pools, cache and log already bound). */
export type LoadOne = (spec: ComponentConfig) => Promise<LoadedComponent>;

/** What a swap did, by component name. */
export interface Swapped {
  readonly loaded: readonly string[];
  readonly removed: readonly string[];
}

function routerOf(
  routes: readonly RouteConfig[],
  components: ReadonlyMap<string, LoadedComponent>,
): Router<RouteTarget> {
  const targets = resolveTargets(routes, components);
  return createRouter<RouteTarget>(
    routes.map((route, i) => ({
      method: route.method,
      path: route.path,
      pattern: route.pattern,
      where: route.where,
      target: targets[i]!,
    })),
  );
}

export class LiveRoutes implements Router<RouteTarget> {
  #router: Router<RouteTarget>;
  #components: Map<string, LoadedComponent>;

  /** Errors: as {@link resolveTargets} and createRouter (a route naming no export). */
  constructor(routes: readonly RouteConfig[], components: Map<string, LoadedComponent>) {
    this.#router = routerOf(routes, components);
    this.#components = components;
  }

  match(method: string, pathWithQuery: string): RouteResult<RouteTarget> {
    return this.#router.match(method, pathWithQuery);
  }

  /** The components served now, by name. */
  get components(): ReadonlyMap<string, LoadedComponent> {
    return this.#components;
  }

  /**
   * Serves `routes` over `specs`: loads the components named in `reload` and those not served
   * yet, keeps the others as they are, then swaps the table in one step and closes the
   * replaced and removed versions (their pools retire; their running processes finish). On any
   * error (a component that does not load, a route naming no export) nothing changes and the
   * error is thrown.
   */
  async swap(
    specs: ReadonlyMap<string, ComponentConfig>,
    routes: readonly RouteConfig[],
    reload: ReadonlySet<string>,
    load: LoadOne,
  ): Promise<Swapped> {
    const next = new Map<string, LoadedComponent>();
    const fresh: LoadedComponent[] = [];
    let router: Router<RouteTarget>;
    try {
      for (const spec of specs.values()) {
        const current = this.#components.get(spec.name);
        if (current !== undefined && !reload.has(spec.name)) {
          next.set(spec.name, current);
          continue;
        }
        const component = await load(spec);
        fresh.push(component);
        next.set(spec.name, component);
      }
      router = routerOf(routes, next);
    } catch (err) {
      for (const component of fresh) component.close();
      throw err;
    }
    const replaced = [...this.#components].filter(([name, c]) => next.get(name) !== c);
    // The swap itself: one assignment each, no await between them.
    this.#router = router;
    this.#components = next;
    for (const [, component] of replaced) component.close();
    return {
      loaded: fresh.map((c) => c.spec.name),
      removed: replaced.map(([name]) => name).filter((name) => !next.has(name)),
    };
  }

  /** Closes every component served (shutdown). */
  close(): void {
    for (const component of this.#components.values()) component.close();
  }
}
