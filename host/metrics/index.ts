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
  readonly processes: Gauge;
  readonly processesParked: Gauge;
  readonly processExits: Counter<"reason">;
  readonly requests: Counter<"route" | "status">;
  readonly requestDuration: Histogram<"route">;
  readonly bodyBufferedBytes: Gauge;
  readonly bodyBytes: Counter;
  readonly brokerSubscriptions: Gauge<"topic">;
  readonly brokerPublished: Counter<"topic">;
  readonly brokerDelivered: Counter<"topic">;
  readonly brokerDropped: Counter<"topic" | "reason">;
}

/**
 * Creates a registry with every rusm metric.
 * `collectBuffered` is called on each scrape to read the bytes currently held by body channels.
 */
export function createMetrics(collectBuffered: () => number = () => 0): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = METRICS;
  const processExits = new Counter({
    ...m.processExits,
    labelNames: [...m.processExits.labelNames],
    registers: [registry],
  });
  return {
    registry,
    processes: new Gauge({ ...m.processes, labelNames: [], registers: [registry] }),
    processesParked: new Gauge({ ...m.processesParked, labelNames: [], registers: [registry] }),
    processExits,
    requests: new Counter({
      ...m.requests,
      labelNames: [...m.requests.labelNames],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      ...m.requestDuration,
      labelNames: [...m.requestDuration.labelNames],
      buckets: [...m.requestDuration.buckets],
      registers: [registry],
    }),
    bodyBufferedBytes: new Gauge({
      ...m.bodyBufferedBytes,
      labelNames: [],
      registers: [registry],
      collect() {
        this.set(collectBuffered());
      },
    }),
    bodyBytes: new Counter({ ...m.bodyBytes, labelNames: [], registers: [registry] }),
    brokerSubscriptions: new Gauge({
      ...m.brokerSubscriptions,
      labelNames: [...m.brokerSubscriptions.labelNames],
      registers: [registry],
    }),
    brokerPublished: new Counter({
      ...m.brokerPublished,
      labelNames: [...m.brokerPublished.labelNames],
      registers: [registry],
    }),
    brokerDelivered: new Counter({
      ...m.brokerDelivered,
      labelNames: [...m.brokerDelivered.labelNames],
      registers: [registry],
    }),
    brokerDropped: new Counter({
      ...m.brokerDropped,
      labelNames: [...m.brokerDropped.labelNames],
      registers: [registry],
    }),
  };
}
