/**
 * @module workers/watchdog
 * The supervisor's watch over its workers, on its own thread, which no guest ever runs on:
 *
 * - every {@link KILL_CHECK_MS}, each worker's preemption kill flag (preempt/kill-flag.ts): a
 *   guest with kill-only checks that spins past its CPU budget is stopped from here, since
 *   nothing on its own thread runs while it spins (two atomic loads per worker);
 * - every {@link STALL_CHECK_MS}, each worker's heartbeat (workers/heartbeat.ts): a worker whose
 *   event loop has not beaten for more than {@link STALL_MS} has stalled in a way no check can
 *   catch (a host bug, a guest without checks, a huge `memory.copy`), and is reported to the
 *   supervisor, which replaces it.
 */
import { enforceKillFlag } from "../preempt/kill-flag.ts";
import type { HeartbeatReader } from "./heartbeat.ts";

/** How often the kill flags are checked. */
export const KILL_CHECK_MS = 20;
/** How often the heartbeats are checked. */
export const STALL_CHECK_MS = 100;
/** A worker whose event loop has not beaten for longer than this is replaced. */
export const STALL_MS = 1_000;

/** A worker under watch. */
export interface Watched {
  readonly index: number;
  readonly heartbeat: HeartbeatReader;
  readonly killFlag: WebAssembly.Memory;
  /** False while it starts or stops: only its kill flag is watched then. */
  stallChecked: boolean;
}

export class Watchdog {
  readonly #watched = new Map<number, Watched>();
  readonly #onStall: (worker: Watched, silentMs: number) => void;
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;

  /** `onStall` is called once per stall; the worker is no longer watched after it. */
  constructor(onStall: (worker: Watched, silentMs: number) => void) {
    this.#onStall = onStall;
  }

  watch(worker: Watched): void {
    this.#watched.set(worker.index, worker);
    this.#timer ??= setInterval(() => this.#tick(), KILL_CHECK_MS).unref();
  }

  unwatch(index: number): void {
    this.#watched.delete(index);
  }

  /** Only kill flags from now on (shutdown: workers closing must not be replaced). */
  stopStallChecks(): void {
    for (const worker of this.#watched.values()) worker.stallChecked = false;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#watched.clear();
  }

  #tick(): void {
    for (const worker of this.#watched.values()) enforceKillFlag(worker.killFlag);
    if (++this.#ticks % (STALL_CHECK_MS / KILL_CHECK_MS) !== 0) return;
    const now = performance.now();
    for (const worker of [...this.#watched.values()]) {
      const silent = worker.heartbeat.silentFor(now);
      if (!worker.stallChecked || silent <= STALL_MS) continue;
      this.#watched.delete(worker.index);
      this.#onStall(worker, silent);
    }
  }
}
