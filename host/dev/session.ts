/**
 * @module dev/session
 * `rusm dev`: a server (worker threads, as `rusm serve`'s; one unless told otherwise) kept up
 * to date with the files it was made from.
 * Builds every component that names a `source`, serves, then watches the sources, the `.wasm`
 * files of components without one, and routes.toml. Each burst of changes is handled in turn
 * (never two at once): routes.toml is validated again, changed sources are rebuilt, and what
 * changed is swapped into every worker (workers/ `swap`, then server/live-routes.ts). Anything that fails
 * (a build error, an invalid routes.toml, a component that does not load) is printed with its
 * file:line and the last good version keeps serving.
 */
import { existsSync } from "node:fs";
import { loadConfig, type ComponentConfig, type Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { startNode, type RunningNode } from "../workers/supervisor.ts";
import { configChange } from "./config-change.ts";
import { buildSource, initialWatch, type ComponentWatch } from "./source-build.ts";
import { Watcher } from "./watcher.ts";

export interface DevOptions {
  /** Absolute path of routes.toml. */
  file: string;
  cacheDir: string;
  log: Logger;
  /** Worker threads: `--workers`, else `[serve] workers`, else 1 (a swap reaches each). */
  workers: number | undefined;
  /** Applied to every routes.toml read (`--listen`, `--admin`, the environment). */
  adjust: (config: Config) => void;
  /** A line for the developer (stderr). */
  say: (line: string) => void;
  /** An error for the developer, with its place (stderr). */
  fail: (err: unknown) => void;
}

export interface DevSession {
  readonly server: RunningNode;
  /** Stops watching (the server is closed by the caller). */
  close(): void;
}

type Sourced = ComponentConfig & { source: string };

const hasSource = (c: ComponentConfig): c is Sourced => c.source !== null;

/** Loads routes.toml, builds the sources, serves, and watches. Throws on a first failure. */
export async function startDev(options: DevOptions): Promise<DevSession> {
  const { file, cacheDir, say } = options;
  const progress = (line: string): void => say(line);
  const readConfig = async (): Promise<Config> => {
    const config = await loadConfig(file, { sourcesBuild: true });
    options.adjust(config);
    return config;
  };

  let config = await readConfig();
  /** What each component is watched by; its inputs after its last successful build. */
  const watched = new Map<string, ComponentWatch>();
  for (const component of config.components.values()) {
    watched.set(component.name, initialWatch(component));
    if (!hasSource(component)) continue;
    say(`building ${component.name}…`);
    try {
      watched.set(component.name, await buildSource(component, cacheDir, progress));
    } catch (err) {
      // The last good version at start is the component file an earlier build left; without
      // one there is nothing to serve, and the error ends rusm dev.
      if (!existsSync(component.path)) throw err;
      options.fail(err);
      say(
        `build of ${component.name} failed: serving the component built before, ${component.path}`,
      );
    }
  }
  const server = await startNode(config, {
    cacheDir,
    log: options.log,
    workers: options.workers ?? config.serve.workers ?? 1,
    progress,
  });

  const watcher = new Watcher((changed) => {
    queue = queue.then(() => onChanges(changed)).catch((err: unknown) => options.fail(err));
  });
  let queue: Promise<void> = Promise.resolve();
  const rewatch = (): void =>
    watcher.set({
      files: [file, ...[...watched.values()].flatMap((w) => w.files)],
      trees: [...watched.values()].flatMap((w) => (w.tree === null ? [] : [w.tree])),
    });
  rewatch();

  /** The components whose watched files are among `changed`. */
  const touched = (changed: ReadonlySet<string>, within: Config): Set<string> => {
    const names = new Set<string>();
    for (const [name, watch] of watched) {
      if (!within.components.has(name)) continue;
      const hit =
        watch.files.some((f) => changed.has(f)) ||
        (watch.tree !== null &&
          [...changed].some((f) => f.startsWith(`${watch.tree!.dir}/`) && watch.tree!.accept(f)));
      if (hit) names.add(name);
    }
    return names;
  };

  async function onChanges(changed: ReadonlySet<string>): Promise<void> {
    let next = config;
    let routesChanged = false;
    const reload = touched(changed, config);
    if (changed.has(file)) {
      try {
        next = await readConfig();
      } catch (err) {
        options.fail(err);
        say(`${shortName(file)} not applied: still serving its last good version`);
        next = config;
      }
      if (next !== config) {
        const change = configChange(config, next);
        for (const name of change.components) reload.add(name);
        routesChanged = change.routesChanged || change.removed.length > 0;
        if (change.needRestart.length > 0) {
          say(
            `${shortName(file)}: ${change.needRestart.join(", ")} changed: restart rusm dev to apply (the rest is applied now)`,
          );
        }
        for (const name of change.components) {
          const component = next.components.get(name)!;
          if (!watched.has(name) || sourceMoved(config, next, name)) {
            watched.set(name, initialWatch(component));
          }
        }
        for (const name of change.removed) watched.delete(name);
      }
    }
    // Rebuild what has a source; a failed build keeps the version served.
    for (const name of [...reload]) {
      const component = next.components.get(name);
      if (component === undefined || !hasSource(component)) continue;
      say(`rebuilding ${name}…`);
      try {
        watched.set(name, await buildSource(component, cacheDir, progress));
      } catch (err) {
        options.fail(err);
        reload.delete(name);
        // A component new to the file has no version to keep: the config waits for a fix.
        if (!config.components.has(name)) next = config;
        say(`build of ${name} failed: still serving its last good version`);
      }
    }
    rewatch();
    if (reload.size === 0 && !routesChanged && next === config) return;
    const started = performance.now();
    try {
      const swapped = await server.swap(next, reload);
      config = next;
      const ms = Math.round(performance.now() - started);
      const what = [
        ...swapped.loaded.map((n) => `${n} reloaded`),
        ...swapped.removed.map((n) => `${n} removed`),
        ...(routesChanged ? ["routes updated"] : []),
      ];
      say(`swapped in ${ms} ms: ${what.length > 0 ? what.join(", ") : "no change"}`);
    } catch (err) {
      options.fail(err);
      say("not swapped: still serving the last good version");
    }
  }

  return { server, close: () => watcher.close() };
}

/** The component's source or file is another one in `next`: what it is watched by changes. */
function sourceMoved(served: Config, next: Config, name: string): boolean {
  const a = served.components.get(name);
  const b = next.components.get(name);
  return a?.source !== b?.source || a?.path !== b?.path;
}

function shortName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}
