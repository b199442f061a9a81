/**
 * @module lifecycle/process-status
 * What one live process shows of itself to the status page and `rusm ps` (admin/status*.ts):
 * plain data, read when asked, never kept.
 */

/** One live process, as it is now. */
export interface ProcessStatus {
  readonly pid: number;
  /** Its component's name in routes.toml. */
  readonly component: string;
  /** The route as written in routes.toml (else its request's method and path). */
  readonly route: string;
  /** True while it waits in a blocking call (JSPI); false while it runs or waits to run. */
  readonly parked: boolean;
  /** CPU time it used so far (ms; parked time does not count, preempt/runtime.ts `CpuMeter`). */
  readonly cpuMs: number;
  /** How long it has lived (ms). */
  readonly ageMs: number;
}
