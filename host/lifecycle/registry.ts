/**
 * @module lifecycle/registry
 * The live processes of one server: ids, the live and parked counts, exits counted by reason,
 * and shutdown (kill everything, wait until every process is reclaimed).
 */
import type { Metrics } from "../metrics/index.ts";
import { EXIT_REASONS, type Exit, type ExitReason } from "./exit.ts";

/** What the registry needs to know of a process. */
export interface RegisteredProcess {
  readonly pid: number;
  kill(why: string): void;
}

export class ProcessRegistry {
  readonly #metrics: Metrics;
  readonly #live = new Set<RegisteredProcess>();
  readonly #exits = new Map<ExitReason, number>(EXIT_REASONS.map((r) => [r, 0]));
  #nextPid = 1;
  #parked = 0;
  #emptyWaiters: Array<() => void> = [];

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
    // Every reason is exported from the start, at 0, so dashboards see the full set.
    for (const reason of EXIT_REASONS) metrics.processExits.inc({ reason }, 0);
  }

  nextPid(): number {
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

  /** Exits so far, by reason. */
  exits(): ReadonlyMap<ExitReason, number> {
    return this.#exits;
  }

  started(process: RegisteredProcess): void {
    this.#live.add(process);
    this.#metrics.processes.set(this.#live.size);
  }

  exited(process: RegisteredProcess, exit: Exit): void {
    if (!this.#live.delete(process)) return;
    this.#exits.set(exit.reason, (this.#exits.get(exit.reason) ?? 0) + 1);
    this.#metrics.processExits.inc({ reason: exit.reason });
    this.#metrics.processes.set(this.#live.size);
    if (this.#live.size === 0) {
      const waiters = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** A process entered (+1) or left (-1) a parked call. */
  parked(delta: 1 | -1): void {
    this.#parked += delta;
    this.#metrics.processesParked.set(this.#parked);
  }

  /** Kills every live process (they end at their current or next park). */
  killAll(why: string): void {
    for (const process of this.#live) process.kill(why);
  }

  /** Resolves when no process is live. */
  whenEmpty(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }
}
