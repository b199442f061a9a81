/**
 * @module metrics
 * The metrics registry (prom-client) for one rusm server: typed handles for every metric in
 * names.ts, plus Node's default process metrics. Served as Prometheus text on the admin listener.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { METRICS } from "./names.ts";

export { METRICS };

/** The metric handles the host updates. */
export interface Metrics {
  readonly registry: Registry;
  readonly processes: Gauge<"component">;
  readonly processesParked: Gauge<"component">;
  readonly processExits: Counter<"component" | "reason">;
  readonly requests: Counter<"route" | "status">;
  readonly requestDuration: Histogram<"route">;
  readonly runQueueDeferred: Counter;
  readonly bodyBufferedBytes: Gauge;
  readonly bodyBytes: Counter;
  readonly websocketMessages: Counter<"direction">;
  readonly poolIdleMemories: Gauge<"component">;
  readonly poolAcquired: Counter<"component" | "source">;
  readonly poolDiscarded: Counter<"component" | "reason">;
  readonly brokerSubscriptions: Gauge<"topic">;
  readonly brokerPublished: Counter<"topic">;
  readonly brokerDelivered: Counter<"topic">;
  readonly brokerDropped: Counter<"topic" | "reason">;
  readonly outboundRequests: Counter<"component" | "origin" | "status">;
  readonly outboundDuration: Histogram<"component" | "origin">;
  readonly outboundDenied: Counter<"component">;
}

/**
 * Creates a registry with every rusm metric. Called on each scrape: `collectBuffered` reads the
 * bytes currently held by body channels, `collectPoolIdle` the idle pooled memories by component.
 * `defaultMetrics`: Node's process metrics too (a worker thread leaves them to the supervisor,
 * whose process they describe: summed over threads, they would count the process N times).
 */
export function createMetrics(
  collectBuffered: () => number = () => 0,
  collectPoolIdle: () => ReadonlyMap<string, number> = () => new Map(),
  defaultMetrics = true,
  collectDeferred: () => number = () => 0,
): Metrics {
  let deferredSeen = 0;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const m = METRICS;
  /** A metric's declaration as prom-client takes it, registered here. */
  const declared = <L extends string>(d: {
    name: string;
    help: string;
    labelNames: readonly L[];
  }) => ({ name: d.name, help: d.help, labelNames: [...d.labelNames], registers: [registry] });
  return {
    registry,
    processes: new Gauge(declared(m.processes)),
    processesParked: new Gauge(declared(m.processesParked)),
    processExits: new Counter(declared(m.processExits)),
    requests: new Counter(declared(m.requests)),
    requestDuration: new Histogram({
      ...declared(m.requestDuration),
      buckets: [...m.requestDuration.buckets],
    }),
    runQueueDeferred: new Counter({
      ...declared(m.runQueueDeferred),
      collect() {
        const deferred = collectDeferred();
        if (deferred > deferredSeen) this.inc(deferred - deferredSeen);
        deferredSeen = deferred;
      },
    }),
    bodyBufferedBytes: new Gauge({
      ...declared(m.bodyBufferedBytes),
      collect() {
        this.set(collectBuffered());
      },
    }),
    bodyBytes: new Counter(declared(m.bodyBytes)),
    websocketMessages: new Counter(declared(m.websocketMessages)),
    poolIdleMemories: new Gauge({
      ...declared(m.poolIdleMemories),
      collect() {
        for (const [component, idle] of collectPoolIdle()) this.set({ component }, idle);
      },
    }),
    poolAcquired: new Counter(declared(m.poolAcquired)),
    poolDiscarded: new Counter(declared(m.poolDiscarded)),
    brokerSubscriptions: new Gauge(declared(m.brokerSubscriptions)),
    brokerPublished: new Counter(declared(m.brokerPublished)),
    brokerDelivered: new Counter(declared(m.brokerDelivered)),
    brokerDropped: new Counter(declared(m.brokerDropped)),
    outboundRequests: new Counter(declared(m.outboundRequests)),
    outboundDuration: new Histogram({
      ...declared(m.outboundDuration),
      buckets: [...m.outboundDuration.buckets],
    }),
    outboundDenied: new Counter(declared(m.outboundDenied)),
  };
}

/** The supervisor's own metrics (workers/supervisor.ts), on top of its {@link Metrics}. */
export interface SupervisorMetrics {
  readonly workers: Gauge;
  readonly watchdogRestarts: Counter<"signal">;
  readonly watchdogConnectionsCut: Counter<"signal">;
}

/** Registers the supervisor's own metrics in `registry`. */
export function createSupervisorMetrics(registry: Registry): SupervisorMetrics {
  const m = METRICS;
  const declared = <L extends string>(d: {
    name: string;
    help: string;
    labelNames: readonly L[];
  }) => ({
    name: d.name,
    help: d.help,
    labelNames: [...d.labelNames],
    registers: [registry],
  });
  return {
    workers: new Gauge(declared(m.workers)),
    watchdogRestarts: new Counter(declared(m.watchdogRestarts)),
    watchdogConnectionsCut: new Counter(declared(m.watchdogConnectionsCut)),
  };
}
