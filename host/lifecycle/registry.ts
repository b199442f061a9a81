/**
 * @module lifecycle/registry
 * The live processes of one server: ids, the live and parked counts and the exits by reason,
 * each by component (the `component` label of `rusm_processes`, `rusm_processes_parked` and
 * `rusm_process_exits_total`), monitors, and shutdown (kill everything, wait until every process is reclaimed).
 *
 * Monitors are Erlang's: {@link ProcessRegistry.monitor} asks for one `down` signal when a
 * process ends, whatever the reason. Monitoring a process that has already ended (or never
 * existed) still gives its `down`, with reason `noproc`, on a later microtask.
 */
import type { Metrics } from "../metrics/index.ts";
import { EXIT_REASONS, type Exit, type ExitReason, type Stop } from "./exit.ts";
import type { ProcessStatus } from "./process-status.ts";
import type { Down, MonitorRef } from "./signal.ts";

/** What the registry needs to know of a process. */
export interface RegisteredProcess {
  readonly pid: number;
  /** The name of the component it is an instance of (`[components]`). */
  readonly componentName: string;
  /** Stops it from outside (process/process.ts `stop`); the first stop wins. */
  stop(stop: Stop): void;
  /**
   * The server drains: a process serving a live stream (text/event-stream) ends it now,
   * cleanly, and stops as `shutdown`; true when it did. Others go on until the drain deadline.
   */
  drain(): boolean;
  /** What it shows of itself now (the status page); absent for a process that shows nothing. */
  status?(): ProcessStatus;
}

/**
 * Told of every start and exit, as they are counted (workers/exit-tally.ts keeps a worker's
 * counts where the supervisor still reads them after the worker is gone).
 */
export interface ProcessTally {
  started(component: string): void;
  exited(component: string, reason: ExitReason): void;
}

/** Adds `delta` to `counts[key]`; the new count. */
function bump(counts: Map<string, number>, key: string, delta: number): number {
  const n = (counts.get(key) ?? 0) + delta;
  counts.set(key, n);
  return n;
}

export class ProcessRegistry {
  readonly #metrics: Metrics;
  readonly #live = new Map<number, RegisteredProcess>();
  /** Monitors by the pid they watch. */
  readonly #monitors = new Map<number, Map<MonitorRef, (down: Down) => void>>();
  #nextRef = 1;
  readonly #exits = new Map<ExitReason, number>(EXIT_REASONS.map((r) => [r, 0]));
  #nextPid = 1;
  /** A counter shared by every worker of the node, or null: this registry counts alone. */
  readonly #sharedPids: Int32Array | null;
  readonly #tally: ProcessTally | null;
  #parked = 0;
  /** Live and parked processes by component. */
  readonly #liveBy = new Map<string, number>();
  readonly #parkedBy = new Map<string, number>();
  #emptyWaiters: Array<() => void> = [];

  /** `pids`: a counter shared with the node's other workers, so that a pid names one process. */
  constructor(metrics: Metrics, pids?: SharedArrayBuffer, tally?: ProcessTally) {
    this.#sharedPids = pids === undefined ? null : new Int32Array(pids);
    this.#tally = tally ?? null;
    this.#metrics = metrics;
  }

  /**
   * Exports every component's series from the start, at 0 (every exit reason, the live and
   * parked counts), so that dashboards see the full set.
   */
  declare(components: Iterable<string>): void {
    for (const component of components) {
      for (const reason of EXIT_REASONS) this.#metrics.processExits.inc({ component, reason }, 0);
      this.#metrics.processes.set({ component }, this.#liveBy.get(component) ?? 0);
      this.#metrics.processesParked.set({ component }, this.#parkedBy.get(component) ?? 0);
    }
  }

  nextPid(): number {
    if (this.#sharedPids !== null) return Atomics.add(this.#sharedPids, 0, 1) + 1;
    return this.#nextPid++;
  }

  /** Live processes. */
  get size(): number {
    return this.#live.size;
  }

  /** Live processes parked in a blocking call. */
  get parkedCount(): number {
    return this.#parked;
  }

  /** What every live process shows of itself now (the status page, `rusm ps`). */
  statuses(): ProcessStatus[] {
    const out: ProcessStatus[] = [];
    for (const process of this.#live.values()) {
      const status = process.status?.();
      if (status !== undefined) out.push(status);
    }
    return out;
  }

  /** Exits so far, by reason. */
  exits(): ReadonlyMap<ExitReason, number> {
    return this.#exits;
  }

  /**
   * Calls `onDown` once when process `pid` ends (with its exit reason), or with `noproc` on a
   * later microtask when it is not live. Returns the ref {@link demonitor} takes.
   */
  monitor(pid: number, onDown: (down: Down) => void): MonitorRef {
    const ref = this.#nextRef++;
    if (!this.#live.has(pid)) {
      queueMicrotask(() => onDown({ kind: "down", ref, pid, reason: "noproc" }));
      return ref;
    }
    let watchers = this.#monitors.get(pid);
    if (watchers === undefined)
      this.#monitors.set(pid, (watchers = new Map<MonitorRef, (down: Down) => void>()));
    watchers.set(ref, onDown);
    return ref;
  }

  /** Removes a monitor; its `down` will not come. Unknown or spent refs are ignored. */
  demonitor(pid: number, ref: MonitorRef): void {
    const watchers = this.#monitors.get(pid);
    if (watchers?.delete(ref) && watchers.size === 0) this.#monitors.delete(pid);
  }

  started(process: RegisteredProcess): void {
    this.#live.set(process.pid, process);
    const component = process.componentName;
    this.#tally?.started(component);
    this.#metrics.processes.set({ component }, bump(this.#liveBy, component, 1));
  }

  exited(process: RegisteredProcess, exit: Exit): void {
    if (this.#live.get(process.pid) !== process) return;
    this.#live.delete(process.pid);
    this.#exits.set(exit.reason, (this.#exits.get(exit.reason) ?? 0) + 1);
    const component = process.componentName;
    this.#tally?.exited(component, exit.reason);
    this.#metrics.processExits.inc({ component, reason: exit.reason });
    this.#metrics.processes.set({ component }, bump(this.#liveBy, component, -1));
    const watchers = this.#monitors.get(process.pid);
    if (watchers !== undefined) {
      this.#monitors.delete(process.pid);
      for (const [ref, onDown] of watchers) {
        onDown({ kind: "down", ref, pid: process.pid, reason: exit.reason });
      }
    }
    if (this.#live.size === 0) {
      const waiters = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** A process of `component` entered (+1) or left (-1) a parked call. */
  parked(component: string, delta: 1 | -1): void {
    this.#parked += delta;
    this.#metrics.processesParked.set({ component }, bump(this.#parkedBy, component, delta));
  }

  /** Stops every live process (they end at their current or next park or check). */
  stopAll(stop: Stop): void {
    for (const process of this.#live.values()) process.stop(stop);
  }

  /** Ends every live stream now (a drain); the number ended. */
  drainStreams(): number {
    let n = 0;
    for (const process of this.#live.values()) if (process.drain()) n++;
    return n;
  }

  /** Resolves when no process is live. */
  whenEmpty(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }
}
