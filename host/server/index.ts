/**
 * @module server
 * Starts rusm serve from a validated config: loads every component (transpile, cap, compile),
 * then listens on the public and admin addresses. Returns the real addresses and a shutdown.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { loadComponent, type LoadedComponent } from "../component/load.ts";
import {
  MemoryPools,
  type AcquireSource,
  type DiscardReason,
  type PoolObserver,
} from "../component/memory-pool.ts";
import type { Config, Listen } from "../config/index.ts";
import { RusmError } from "../errors.ts";
import { ProcessRegistry } from "../lifecycle/registry.ts";
import type { Logger } from "../log/index.ts";
import { createMetrics, type Metrics } from "../metrics/index.ts";
import { createRouter } from "../router/index.ts";
import { createAdminServer } from "./admin.ts";
import type { NodeExchange } from "./exchange.ts";
import { createHttpServer } from "./http.ts";
import { resolveTargets, type RouteTarget } from "./targets.ts";
import { startBroker, type Broker } from "../services/broker/index.ts";

export interface ServeOptions {
  cacheDir: string;
  log: Logger;
  progress?: ((line: string) => void) | undefined;
}

export interface RunningServer {
  /** `http://host:port` of the public listener. */
  readonly url: string;
  /** `http://host:port` of the admin listener, or null. */
  readonly adminUrl: string | null;
  readonly registry: ProcessRegistry;
  readonly broker: Broker;
  /** Stops listening, kills every process, waits (up to `graceMs`) for them to be reclaimed. */
  close(graceMs?: number): Promise<void>;
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: Server, at: Listen, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new RusmError(
          "RUSM_LISTEN_FAILED",
          `cannot listen on ${at.host}:${at.port} (${key}): ${err.code ?? err.message}`,
          {
            hint:
              err.code === "EADDRINUSE"
                ? "another process uses this port: pick another, or 0 for a free one"
                : undefined,
            cause: err,
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const ACQUIRE_SOURCES: readonly AcquireSource[] = ["pool", "fresh"];
const DISCARD_REASONS: readonly DiscardReason[] = ["grew", "unclean", "full", "idle"];

/** Counts one component's pool events; every label is exported from the start, at 0. */
function poolObserver(metrics: Metrics, component: string): PoolObserver {
  const acquired = new Map(
    ACQUIRE_SOURCES.map((source) => [source, metrics.poolAcquired.labels({ component, source })]),
  );
  const discarded = new Map(
    DISCARD_REASONS.map((reason) => [reason, metrics.poolDiscarded.labels({ component, reason })]),
  );
  for (const counter of [...acquired.values(), ...discarded.values()]) counter.inc(0);
  return {
    acquired: (source) => acquired.get(source)?.inc(),
    discarded: (reason) => discarded.get(reason)?.inc(),
  };
}

/** Loads every component and starts listening. Throws a RusmError on any bad input. */
export async function startServer(config: Config, options: ServeOptions): Promise<RunningServer> {
  const exchanges = new Set<NodeExchange>();
  // Each refers to the other, but only in callbacks: the observers are made at load, the idle
  // counts read at scrape time.
  const pools = new MemoryPools({
    idleSeconds: config.serve.poolIdleSeconds,
    observer: (component) => poolObserver(metrics, component),
  });
  const metrics = createMetrics(
    () => {
      let bytes = 0;
      for (const exchange of exchanges) bytes += exchange.body?.buffered ?? 0;
      return bytes;
    },
    () => pools.idleByComponent(),
  );
  const loaded = new Map<string, LoadedComponent>();
  // Prewarmed instances hold pooled memories: components close before their pools.
  const releaseComponents = (): void => {
    for (const component of loaded.values()) component.close();
    pools.close();
  };
  try {
    for (const spec of config.components.values()) {
      const component = await loadComponent(spec, {
        cacheDir: options.cacheDir,
        progress: options.progress,
        pools,
      });
      loaded.set(spec.name, component);
      const abi = component.abi;
      options.log.debug(
        { component: spec.name, abi: abi.kind, why: abi.kind === "jco" ? abi.reason : undefined },
        abi.kind === "lean" ? "served through rusm's lean ABI" : "served through jco's glue",
      );
    }
  } catch (err) {
    releaseComponents();
    throw err;
  }
  const targets = resolveTargets(config.routes, loaded);
  const router = createRouter<RouteTarget>(
    config.routes.map((route, i) => ({
      method: route.method,
      path: route.path,
      pattern: route.pattern,
      where: route.where,
      target: targets[i]!,
    })),
  );

  const registry = new ProcessRegistry(metrics);
  const broker = await startBroker(config.broker, { registry, metrics, log: options.log });
  const http = createHttpServer({
    router,
    registry,
    metrics,
    broker,
    log: options.log,
    exchanges,
    highWaterMark: config.serve.bodyBufferKb * 1024,
  });
  try {
    await listen(http, config.serve.listen, "serve.listen");
  } catch (err) {
    await broker.close();
    releaseComponents();
    throw err;
  }
  let admin: Server | null = null;
  if (config.admin !== null) {
    admin = createAdminServer(metrics, broker);
    try {
      await listen(admin, config.admin.listen, "admin.listen");
    } catch (err) {
      await closeServer(http);
      await broker.close();
      releaseComponents();
      throw err;
    }
  }

  return {
    url: urlOf(http),
    adminUrl: admin === null ? null : urlOf(admin),
    registry,
    broker,
    async close(graceMs = 5_000) {
      const closed = closeServer(http);
      registry.killAll("server shutting down");
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([registry.whenEmpty(), timeout]);
      http.closeAllConnections();
      await closed;
      if (admin !== null) {
        admin.closeAllConnections();
        await closeServer(admin);
      }
      await broker.close();
      releaseComponents();
    },
  };
}
