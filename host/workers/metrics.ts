/**
 * @module workers/metrics
 * `/metrics` for a node of several worker threads: each worker keeps its own registry; a scrape
 * asks every worker for `getMetricsAsJSON()` and sums them (prom-client's
 * `AggregatorRegistry.aggregate`) with the supervisor's own registry (Node's process metrics,
 * `rusm_workers`, the watchdog's counters, the exits of processes lost with a replaced worker,
 * admin publishes).
 *
 * Counters never go backwards: a worker the watchdog replaced keeps contributing the counters
 * and histograms of its last answer (its gauges go with it). What it counted after its last
 * scrape is lost with it, except what the supervisor reads from shared memory instead: the
 * names given to the constructor are dropped from every answer (`rusm_process_exits_total`
 * comes from each worker's exit tally, workers/exit-tally.ts).
 */
import { AggregatorRegistry, type Registry } from "prom-client";
import type { MetricsJson } from "./protocol.ts";

export class MetricsAggregator {
  /** Each worker's last answer, by index. */
  readonly #last = new Map<number, MetricsJson>();
  /** The counters and histograms of replaced workers' last answers. */
  readonly #retired: MetricsJson[] = [];
  readonly #dropped: ReadonlySet<string>;

  /** `dropped`: metric names taken from elsewhere, left out of the workers' answers. */
  constructor(dropped: readonly string[] = []) {
    this.#dropped = new Set(dropped);
  }

  /** A worker's answer to a scrape. */
  answered(index: number, metrics: MetricsJson): void {
    this.#last.set(
      index,
      metrics.filter((m) => !this.#dropped.has(m.name)),
    );
  }

  /** The last answers of the workers `indices` (those that ever answered). */
  current(indices: readonly number[]): MetricsJson[] {
    return indices.map((i) => this.#last.get(i)).filter((m) => m !== undefined);
  }

  /** The worker `index` was replaced (or stopped): keep what its counters had reached. */
  retire(index: number): void {
    const last = this.#last.get(index);
    this.#last.delete(index);
    if (last === undefined) return;
    const kept = last.filter((m) => String(m.type) === "counter" || String(m.type) === "histogram");
    if (kept.length > 0) this.#retired.push(kept);
  }

  /** The merged registry: the supervisor's own, the workers' answers now, the retired ones. */
  async merge(own: Registry, answers: readonly MetricsJson[]): Promise<Registry> {
    return AggregatorRegistry.aggregate([
      await own.getMetricsAsJSON(),
      ...answers,
      ...this.#retired,
    ]);
  }
}
