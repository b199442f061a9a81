/**
 * The part of autocannon's JS API the benchmarks use (the package ships no types).
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    /** Requests per second across all connections (a paced load). */
    overallRate?: number;
    pipelining?: number;
    timeout?: number;
  }
  export interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  export interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    latency: Histogram;
    requests: Histogram;
  }
  /** Emits `response` (client, statusCode, bytes, responseTimeMs) for every answer. */
  export type Tracker = EventEmitter;
  function autocannon(options: Options, done: (err: Error | null, result: Result) => void): Tracker;
  export default autocannon;
}
