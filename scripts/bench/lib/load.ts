/**
 * @module scripts/bench/lib/load
 * Request-rate load with autocannon's JS API, run in the benchmark's own process (the servers
 * under test are other processes).
 */
import autocannon, { type Result } from "autocannon";
import { quantile } from "./stats.ts";

export interface LoadResult {
  seconds: number;
  requests: number;
  /** Completed requests per second. */
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  /** Errors, timeouts and non-2xx answers: any of them makes the round invalid. */
  failures: number;
}

/**
 * `connections` keep-alive clients asking `url` as fast as answers come, for `seconds`.
 * Latencies are autocannon's per-response times (ms, float): its own histogram keeps whole
 * milliseconds, too coarse for a sub-millisecond baseline.
 */
export async function load(
  url: string,
  connections: number,
  seconds: number,
  overallRate?: number,
): Promise<LoadResult> {
  const times: number[] = [];
  const result = await new Promise<Result>((resolve, reject) => {
    const tracker = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        ...(overallRate === undefined ? {} : { overallRate }),
      },
      (err, res) => (err === null ? resolve(res) : reject(err)),
    );
    tracker.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
  const sorted = Float64Array.from(times).sort();
  return {
    seconds: result.duration,
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** Rounds of one side folded into one: total rate, mean of the rounds' percentiles. */
export function combine(rounds: LoadResult[]): LoadResult {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const mean = (f: (r: LoadResult) => number): number =>
    rounds.reduce((s, r) => s + f(r), 0) / rounds.length;
  return {
    seconds,
    requests,
    rps: requests / seconds,
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    failures: rounds.reduce((s, r) => s + r.failures, 0),
  };
}
