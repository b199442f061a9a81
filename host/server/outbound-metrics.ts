/**
 * @module server/outbound-metrics
 * Counts a server's outbound requests (wasi/http/outbound) in its metrics.
 */
import type { Metrics } from "../metrics/index.ts";
import type { OutboundObserver } from "../wasi/index.ts";

/** An observer that counts into `metrics`. */
export function outboundMetrics(metrics: Metrics): OutboundObserver {
  return {
    denied: (component) => metrics.outboundDenied.inc({ component }),
    finished: (component, origin, status, seconds) => {
      metrics.outboundRequests.inc({ component, origin, status });
      metrics.outboundDuration.observe({ component, origin }, seconds);
    },
  };
}
