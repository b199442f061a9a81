/**
 * @module server/outbound-metrics
 * Counts a server's outbound requests (wasi/http/outbound) in its metrics.
 */
import type { Metrics } from "../metrics/index.ts";
import type { OutboundObserver } from "../wasi/index.ts";

const OBSERVERS = new WeakMap<Metrics, OutboundObserver>();

/** The one outbound observer of a metrics registry, for every process of a server. */
export function observerOf(metrics: Metrics): OutboundObserver {
  let observer = OBSERVERS.get(metrics);
  if (observer === undefined) {
    observer = outboundMetrics(metrics);
    OBSERVERS.set(metrics, observer);
  }
  return observer;
}

/** An observer that counts into `metrics`. */
function outboundMetrics(metrics: Metrics): OutboundObserver {
  return {
    denied: (component) => metrics.outboundDenied.inc({ component }),
    finished: (component, origin, status, seconds) => {
      metrics.outboundRequests.inc({ component, origin, status });
      metrics.outboundDuration.observe({ component, origin }, seconds);
    },
  };
}
