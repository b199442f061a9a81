import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/index.ts";
import { MetricsAggregator } from "./metrics.ts";

function sample(text: string, line: RegExp): number | undefined {
  const match = line.exec(text);
  return match === null ? undefined : Number(match[1]);
}

describe("MetricsAggregator", () => {
  it("sums the workers' metrics with the supervisor's own", async () => {
    const own = createMetrics(undefined, undefined, false);
    const [w1, w2] = [1, 2].map(() => createMetrics(undefined, undefined, false));
    w1!.processExits.inc({ component: "app", reason: "normal" }, 3);
    w2!.processExits.inc({ component: "app", reason: "normal" }, 4);
    own.processExits.inc({ component: "app", reason: "killed" }, 1);
    w1!.processes.set({ component: "app" }, 2);
    w2!.processes.set({ component: "app" }, 5);
    w1!.requestDuration.observe({ route: "r" }, 0.002);
    w2!.requestDuration.observe({ route: "r" }, 0.002);
    const agg = new MetricsAggregator();
    agg.answered(1, await w1!.registry.getMetricsAsJSON());
    agg.answered(2, await w2!.registry.getMetricsAsJSON());
    const text = await (await agg.merge(own.registry, agg.current([1, 2]))).metrics();
    expect(
      sample(text, /^rusm_process_exits_total\{component="app",reason="normal"\} (\S+)$/m),
    ).toBe(7);
    expect(
      sample(text, /^rusm_process_exits_total\{component="app",reason="killed"\} (\S+)$/m),
    ).toBe(1);
    expect(sample(text, /^rusm_processes\{component="app"\} (\S+)$/m)).toBe(7);
    expect(sample(text, /^rusm_request_duration_seconds_count\{route="r"\} (\S+)$/m)).toBe(2);
  });

  it("a retired worker keeps its counters and histograms, not its gauges", async () => {
    const own = createMetrics(undefined, undefined, false);
    const old = createMetrics(undefined, undefined, false);
    old.processExits.inc({ component: "app", reason: "normal" }, 5);
    old.processes.set({ component: "app" }, 3);
    const agg = new MetricsAggregator();
    agg.answered(1, await old.registry.getMetricsAsJSON());
    agg.retire(1);
    const fresh = createMetrics(undefined, undefined, false);
    fresh.processExits.inc({ component: "app", reason: "normal" }, 1);
    agg.answered(1, await fresh.registry.getMetricsAsJSON());
    const text = await (await agg.merge(own.registry, agg.current([1]))).metrics();
    expect(
      sample(text, /^rusm_process_exits_total\{component="app",reason="normal"\} (\S+)$/m),
    ).toBe(6);
    expect(sample(text, /^rusm_processes\{component="app"\} (\S+)$/m)).toBeUndefined();
  });

  it("leaves out of every answer the names the supervisor takes from elsewhere", async () => {
    const own = createMetrics(undefined, undefined, false);
    own.processExits.inc({ component: "app", reason: "normal" }, 10);
    const worker = createMetrics(undefined, undefined, false);
    worker.processExits.inc({ component: "app", reason: "normal" }, 3);
    worker.bodyBytes.inc(5);
    const agg = new MetricsAggregator(["rusm_process_exits_total"]);
    agg.answered(1, await worker.registry.getMetricsAsJSON());
    agg.retire(1);
    agg.answered(1, await worker.registry.getMetricsAsJSON());
    const text = await (await agg.merge(own.registry, agg.current([1]))).metrics();
    expect(
      sample(text, /^rusm_process_exits_total\{component="app",reason="normal"\} (\S+)$/m),
    ).toBe(10);
    expect(sample(text, /^rusm_body_bytes_total (\S+)$/m)).toBe(10);
  });
});
