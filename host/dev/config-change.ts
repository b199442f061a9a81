/**
 * @module dev/config-change
 * What a new routes.toml changes for `rusm dev`: the components to load again (added, or any
 * of their settings changed), whether the routes changed, and the settings a running server
 * cannot take live (listen addresses, workers, timeouts, the broker, the admin listener).
 */
import type { ComponentConfig, Config } from "../config/index.ts";

export interface ConfigChange {
  /** Components added or with changed settings (path, source, limits, ...). */
  readonly components: ReadonlySet<string>;
  /** Components no longer in the file. */
  readonly removed: readonly string[];
  readonly routesChanged: boolean;
  /** Settings that changed but need a restart: `[serve] listen`, `[admin]`, `[broker]`, ... */
  readonly needRestart: readonly string[];
}

/** `[serve]` settings that are defaults of each component's (in ComponentConfig once parsed). */
const COMPONENT_DEFAULTS = new Set<string>(["maxMemoryMb", "bodyBufferKb", "limits"]);

/** The value of a config item without the places it was read from (a moved line is no change). */
function comparable(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) =>
    key === "where" || key === "pathWhere" || key === "targetWhere" ? undefined : v,
  );
}

function sameComponent(a: ComponentConfig, b: ComponentConfig): boolean {
  return comparable(a) === comparable(b);
}

/** Compares the config served with a new one (both validated). */
export function configChange(served: Config, next: Config): ConfigChange {
  const components = new Set<string>();
  for (const [name, spec] of next.components) {
    const before = served.components.get(name);
    if (before === undefined || !sameComponent(before, spec)) components.add(name);
  }
  const removed = [...served.components.keys()].filter((name) => !next.components.has(name));
  const needRestart: string[] = [];
  const { listen, listenGiven: _a, ...serve } = served.serve;
  const { listen: nextListen, listenGiven: _b, ...nextServe } = next.serve;
  if (comparable(listen) !== comparable(nextListen) && next.serve.listenGiven) {
    needRestart.push("[serve] listen");
  }
  for (const key of Object.keys(serve) as Array<keyof typeof serve>) {
    // Defaults of the components' own settings: a change reaches them as a component change.
    if (COMPONENT_DEFAULTS.has(key)) continue;
    if (comparable(serve[key]) !== comparable(nextServe[key])) {
      needRestart.push(`[serve] ${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    }
  }
  if (comparable(served.admin) !== comparable(next.admin)) needRestart.push("[admin]");
  if (comparable(served.broker) !== comparable(next.broker)) needRestart.push("[broker]");
  return {
    components,
    removed,
    routesChanged: comparable(served.routes) !== comparable(next.routes),
    needRestart,
  };
}
