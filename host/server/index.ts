/**
 * @module server
 * One single-thread rusm server from a validated config: loads every component (transpile,
 * cap, compile), then listens on the public and admin addresses. Returns the real addresses and
 * a shutdown. `rusm serve` runs one per worker thread (workers/worker.ts: reusePort, no admin
 * listener, the broker linked to the supervisor's hub); it also runs in-process on its own.
 */
import type { Server } from "node:http";
import { loadComponent, type LoadedComponent } from "../component/load.ts";
import {
  MemoryPools,
  type AcquireSource,
  type DiscardReason,
  type PoolObserver,
} from "../component/memory-pool.ts";
import type { Config } from "../config/index.ts";
import { ProcessRegistry, type ProcessTally } from "../lifecycle/registry.ts";
import type { Logger } from "../log/index.ts";
import { createMetrics, type Metrics } from "../metrics/index.ts";
import { createAdminServer, localAdmin } from "../admin/server.ts";
import { closeServer, listen, urlOf } from "./listen.ts";
import { createHttpServer, type ServerLoad } from "./http.ts";
import { AccessLog } from "./access-log.ts";
import { threadRunQueue } from "../lifecycle/run-queue.ts";
import { LiveRoutes, type LoadOne, type Swapped } from "./live-routes.ts";
import { startBroker, type Broker, type BrokerBackend } from "../services/broker/index.ts";

export type { ServerLoad } from "./http.ts";
export type { Swapped } from "./live-routes.ts";

export interface ServeOptions {
  cacheDir: string;
  log: Logger;
  progress?: ((line: string) => void) | undefined;
  /**
   * Listen with `SO_REUSEPORT` (Linux), so that several worker threads share the public port
   * and the kernel spreads connections over them (workers/).
   */
  reusePort?: boolean | undefined;
  /** Starts the admin listener of `[admin]` (default true; worker threads leave it to the supervisor). */
  admin?: boolean | undefined;
  /** The broker's link beyond this server, instead of the one `[broker] backend` names. */
  brokerBackend?: BrokerBackend | undefined;
  /** Registers Node's default process metrics (default true; workers leave them to the supervisor). */
  defaultMetrics?: boolean | undefined;
  /** Told the open connection and live process counts of the public listener on each change. */
  onLoad?: ((load: ServerLoad) => void) | undefined;
  /** A process-id counter shared with other servers of the node (worker threads). */
  pids?: SharedArrayBuffer | undefined;
  /** Told of every process start and exit (a worker's exit tally, workers/exit-tally.ts). */
  tally?: ProcessTally | undefined;
}

export interface RunningServer {
  /** `http://host:port` of the public listener. */
  readonly url: string;
  /** `http://host:port` of the admin listener, or null. */
  readonly adminUrl: string | null;
  readonly registry: ProcessRegistry;
  readonly broker: Broker;
  readonly metrics: Metrics;
  /**
   * Drains, then closes: stops accepting connections (a request still arriving on an open one
   * is answered 503 with `Connection: close`), ends every live stream at once, cleanly, lets
   * other requests finish for up to `drainMs`, then stops what still runs (exit `shutdown`:
   * 503 before a head, a truncated body after) and waits up to {@link STOP_GRACE_MS} more for
   * those to unwind before closing every connection. Resolves with what it did.
   */
  close(drainMs?: number): Promise<Drained>;
  /**
   * Serves a new version of the config's components and routes (`rusm dev`): loads the
   * components named in `reload` and any new one, then swaps them in at once; new requests get
   * them, running processes finish on the versions they started with. On an error nothing
   * changes. Only `components` and `routes` are read: other settings need a restart.
   */
  swap(config: Config, reload: ReadonlySet<string>): Promise<Swapped>;
}

/** What a drain did. */
export interface Drained {
  /** Live streams ended cleanly at its start. */
  readonly streamsEnded: number;
  /** Processes still running at the drain deadline (stopped then). */
  readonly stoppedAtDeadline: number;
  /** Processes that would not stop even after the grace (spinning without checks). */
  readonly live: number;
}

/** After the drain deadline, how long stopped processes get to unwind before connections close. */
export const STOP_GRACE_MS = 2_000;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

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
  const exchanges = new Set<{ readonly buffered: number }>();
  // Each refers to the other, but only in callbacks: the observers are made at load, the idle
  // counts read at scrape time.
  const pools = new MemoryPools({
    idleSeconds: config.serve.poolIdleSeconds,
    observer: (component) => poolObserver(metrics, component),
  });
  const metrics = createMetrics(
    () => {
      let bytes = 0;
      for (const exchange of exchanges) bytes += exchange.buffered;
      return bytes;
    },
    () => pools.idleByComponent(),
    options.defaultMetrics ?? true,
    () => threadRunQueue().deferred,
  );
  const loaded = new Map<string, LoadedComponent>();
  const loadOne: LoadOne = async (spec) => {
    const component = await loadComponent(spec, {
      cacheDir: options.cacheDir,
      progress: options.progress,
      pools,
      log: options.log,
    });
    const abi = component.abi;
    options.log.debug(
      { component: spec.name, abi: abi.kind, why: abi.kind === "jco" ? abi.reason : undefined },
      abi.kind === "lean" ? "served through rusm's lean ABI" : "served through jco's glue",
    );
    return component;
  };
  // Prewarmed instances hold pooled memories: components close before their pools.
  let releaseComponents = (): void => {
    for (const component of loaded.values()) component.close();
    pools.close();
  };
  let router: LiveRoutes;
  try {
    for (const spec of config.components.values()) loaded.set(spec.name, await loadOne(spec));
    router = new LiveRoutes(config.routes, loaded);
  } catch (err) {
    releaseComponents();
    throw err;
  }
  releaseComponents = () => {
    router.close();
    pools.close();
  };

  const registry = new ProcessRegistry(metrics, options.pids, options.tally);
  registry.declare(config.components.keys());
  const broker = await startBroker(
    config.broker,
    { registry, metrics, log: options.log },
    options.brokerBackend,
  );
  const accessLog = config.serve.accessLog ? new AccessLog() : null;
  const {
    server: http,
    control,
    connections,
  } = createHttpServer({
    router,
    registry,
    metrics,
    broker,
    log: options.log,
    exchanges,
    highWaterMark: config.serve.bodyBufferKb * 1024,
    onLoad: options.onLoad,
    maxInFlight: config.serve.maxInFlight,
    maxPipelined: config.serve.maxPipelined,
    timeouts: config.serve.timeouts,
    accessLog,
    websocket: {
      maxMessageBytes: config.serve.websocket.maxMessageKb * 1024,
      pingTimeoutMs: config.serve.websocket.pingTimeoutMs,
    },
    tls: config.serve.tls?.pem ?? null,
  });
  try {
    await listen(http, config.serve.listen, "serve.listen", options.reusePort);
  } catch (err) {
    await broker.close();
    releaseComponents();
    throw err;
  }
  let admin: Server | null = null;
  if (config.admin !== null && options.admin !== false) {
    admin = createAdminServer(localAdmin(metrics, broker, registry), config.admin);
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
    url: urlOf(http, config.serve.tls === null ? "http" : "https"),
    adminUrl: admin === null ? null : urlOf(admin),
    registry,
    broker,
    metrics,
    swap: (next, reload) => router.swap(next.components, next.routes, reload, loadOne),
    async close(drainMs = config.serve.drainMs) {
      control.draining = true;
      const deadline = performance.now() + drainMs;
      let allClosed = false;
      const closed = closeServer(http).then(() => {
        allClosed = true;
      });
      connections.closeIdle();
      const streamsEnded = registry.drainStreams();
      await Promise.race([registry.whenEmpty(), sleep(drainMs)]);
      const stoppedAtDeadline = registry.size;
      if (stoppedAtDeadline > 0) {
        registry.stopAll({
          reason: "shutdown",
          detail: `still running at the end of the drain (drain-ms ${drainMs})`,
        });
        await Promise.race([registry.whenEmpty(), sleep(STOP_GRACE_MS)]);
      }
      const live = registry.size;
      // Responses still flushing (an ended stream's last bytes) get the rest of the drain; a
      // connection closes as soon as its response is out (Node closes only idle ones).
      while (!allClosed && performance.now() < deadline) {
        connections.closeIdle();
        await Promise.race([closed, sleep(50)]);
      }
      connections.closeAll();
      await closed;
      if (admin !== null) {
        admin.closeAllConnections();
        await closeServer(admin);
      }
      await broker.close();
      releaseComponents();
      accessLog?.flush();
      return { streamsEnded, stoppedAtDeadline, live };
    },
  };
}
