/**
 * @module server/targets
 * Resolves each route's target once the components are loaded: a component by name, or a
 * `module#function` handler looked up in the components' manifests.
 *
 * A handler module is owned by exactly one component: two components exporting the same module
 * is a config error, as is a route to a module or function no component exports.
 */
import type { LoadedComponent } from "../component/load.ts";
import type { HandlerKind } from "../component/manifest.ts";
import type { RouteConfig } from "../config/index.ts";
import { RusmError } from "../errors.ts";

/** A route's handler, when it names one. */
export interface ResolvedHandler {
  readonly module: string;
  readonly function: string;
  readonly kind: HandlerKind;
}

/** What a route leads to. */
export interface RouteTarget {
  /** The route as written in routes.toml (the `route` label of the metrics). */
  readonly pattern: string;
  readonly component: LoadedComponent;
  /** The handler, for a `module#function` route; null for a route to a component by name. */
  readonly handler: ResolvedHandler | null;
}

interface ModuleOwner {
  readonly component: LoadedComponent;
  readonly kinds: ReadonlyMap<string, HandlerKind>;
}

/**
 * Indexes every handler module by name.
 * Errors: `RUSM_CONFIG_INVALID` at the second component when two export the same module.
 */
export function indexModules(components: Iterable<LoadedComponent>): Map<string, ModuleOwner> {
  const owners = new Map<string, ModuleOwner>();
  for (const component of components) {
    for (const module of component.modules) {
      const first = owners.get(module.name);
      if (first !== undefined) {
        const firstName = first.component.spec.name;
        const line = first.component.spec.where?.line;
        throw new RusmError(
          "RUSM_CONFIG_INVALID",
          `handler module "${module.name}" is exported by two components: "${firstName}"${line === undefined ? "" : ` (line ${line})`} and "${component.spec.name}"`,
          {
            where: component.spec.where,
            hint: "a module name must be unique across the components: rename the module in one of them, or drop one component",
          },
        );
      }
      owners.set(module.name, {
        component,
        kinds: new Map(module.handlers.map((h) => [h.name, h.kind])),
      });
    }
  }
  return owners;
}

function listModules(owners: Map<string, ModuleOwner>): string {
  if (owners.size === 0) return "no component exports handler modules";
  const names = [...owners].map(([name, owner]) => `${name} (${owner.component.spec.name})`);
  return `exported modules: ${names.join(", ")}`;
}

/**
 * The target of every route, in order.
 * Errors: `RUSM_CONFIG_INVALID` at the route's value for an unknown module or function.
 */
export function resolveTargets(
  routes: readonly RouteConfig[],
  components: ReadonlyMap<string, LoadedComponent>,
): RouteTarget[] {
  const owners = indexModules(components.values());
  return routes.map((route): RouteTarget => {
    const spec = route.target;
    if (spec.kind === "component") {
      // config/schema checked the name against [components].
      return { pattern: route.pattern, component: components.get(spec.component)!, handler: null };
    }
    const target = `${spec.module}#${spec.function}`;
    const owner = owners.get(spec.module);
    if (owner === undefined) {
      throw new RusmError(
        "RUSM_CONFIG_INVALID",
        `route "${route.pattern}" names handler "${target}", but no component exports a module "${spec.module}" (${listModules(owners)})`,
        {
          where: route.targetWhere,
          hint: "add the component that exports it under [components] (built with `rusm build`), or fix the name",
        },
      );
    }
    const kind = owner.kinds.get(spec.function);
    if (kind === undefined) {
      const fns = [...owner.kinds.keys()];
      throw new RusmError(
        "RUSM_CONFIG_INVALID",
        `route "${route.pattern}" names handler "${target}", but module "${spec.module}" (component "${owner.component.spec.name}") has no function "${spec.function}" (it has: ${fns.length > 0 ? fns.join(", ") : "none"})`,
        { where: route.targetWhere, hint: "fix the function name, or export it from the module" },
      );
    }
    return {
      pattern: route.pattern,
      component: owner.component,
      handler: { module: spec.module, function: spec.function, kind },
    };
  });
}
