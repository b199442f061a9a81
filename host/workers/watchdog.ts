/**
 * @module workers/watchdog
 * The supervisor's watch over its workers, on its own thread, which no guest ever runs on:
 *
 * - every {@link KILL_CHECK_MS}, each worker's preemption kill flag (preempt/kill-flag.ts): a
 *   guest with kill-only checks that spins past its CPU budget is stopped from here, since
 *   nothing on its own thread runs while it spins (two atomic loads per worker);
 * - every {@link STALL_CHECK_MS}, each serving worker's heartbeat (workers/heartbeat.ts) against
 *   the CPU clock of its thread (workers/thread-cpu.ts, one ~3 µs `pread` per worker): a worker
 *   whose thread used more than {@link STALL_LIMITS}`.cpuMs` of CPU, or was blocked for
 *   `.blockedMs`, without its event loop beating has stalled in a way no check can catch (a
 *   host bug, a guest without checks, a huge `memory.copy`, a deadlock), and is reported to the
 *   supervisor, which replaces it. The two signals: workers/silence.ts; why these limits:
 *   {@link STALL_LIMITS}.
 */
import { enforceKillFlag } from "../preempt/kill-flag.ts";
import type { HeartbeatReader } from "./heartbeat.ts";
import {
  judge,
  SilenceMeter,
  type Silence,
  type StallLimits,
  type StallSignal,
} from "./silence.ts";
import { ThreadCpuClock, type CpuClockKind } from "./thread-cpu.ts";

/** How often the kill flags are checked. */
export const KILL_CHECK_MS = 20;
/** How often the heartbeats are checked. */
export const STALL_CHECK_MS = 100;

/**
 * When a worker counts as stalled.
 *
 * `cpuMs`: the largest legitimate synchronous step of a worker must fit well under it. Measured
 * on the 2-core reference machine (the worker thread's CPU time, the machine shared with other
 * test runs, load 4–8):
 *
 * | step                                                           | worker thread CPU |
 * | -------------------------------------------------------------- | ----------------- |
 * | full (non-incremental) V8 GC, 1 GiB heap of small objects      | 284–398 ms        |
 * | the same, 2 GiB (wall 1.5–1.7 s: the rest waits for helpers)   | 624–764 ms        |
 * | 12 `cpu-work` processes (`preempt = "none"`) started in a turn | 408 ms            |
 * | cold burst, 50 StarlingMonkey requests (2 workers, cores busy) | 752–984 ms        |
 * | cold burst, 200 StarlingMonkey requests (2 workers)            | 585–2,796 ms      |
 * | 200 TypeScript live tails connecting at once (2 workers)       | 1,344–3,109 ms    |
 * | 10,000 pipelined `GET /hello` in one write (1 worker)          | 3,047 ms          |
 * | 4,000 parked WAT live tails whose clients all left at once     | 667 ms            |
 *
 * The bursts are today's largest: every process of a turn starts (instantiates, compiles
 * lazily) or ends in that turn. 5 s leaves them ~1.6× (CPU time too grows on a contended
 * machine) and a big heap's GC ~6×. The price: a genuinely stalled worker (a guest without
 * preemption checks) holds its connections for 5 s of its CPU before it is replaced.
 *
 * `blockedMs`: a thread blocked without a beat is rare and its cause unknown, and the GC above
 * already waits ~1 s for V8's helper threads on a quiet machine (longer on a busy one): 30 s.
 */
export const STALL_LIMITS: StallLimits = {
  cpuMs: 5_000,
  blockedMs: 30_000,
  maxGapMs: 5 * STALL_CHECK_MS,
};

/** A worker under watch. */
export interface Watched {
  readonly index: number;
  readonly heartbeat: HeartbeatReader;
  readonly killFlag: WebAssembly.Memory;
}

/** What the watchdog reports of a stall. */
export interface Stall extends Silence {
  readonly signal: StallSignal;
  /** The clock `cpuMs` was read on (workers/thread-cpu.ts). */
  readonly clock: CpuClockKind;
}

export interface WatchdogOptions {
  /** Called once per stall; the worker is no longer watched after it. */
  readonly onStall: (worker: Watched, stall: Stall) => void;
  /** Called when a beat ends a silence that used more than a tenth of the CPU limit (the log). */
  readonly onLongStep?: ((worker: Watched, silence: Silence) => void) | undefined;
  /** Default {@link STALL_LIMITS}. */
  readonly limits?: StallLimits | undefined;
}

/** A watched worker and, once its stalls are checked, its clock and silence. */
interface Entry {
  readonly worker: Watched;
  stall: { readonly clock: ThreadCpuClock; readonly meter: SilenceMeter } | null;
}

export class Watchdog {
  readonly #watched = new Map<number, Entry>();
  readonly #options: WatchdogOptions;
  readonly #limits: StallLimits;
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;

  constructor(options: WatchdogOptions) {
    this.#options = options;
    this.#limits = options.limits ?? STALL_LIMITS;
  }

  /** Watches `worker`'s kill flag (from its start: loading is long, and not a stall). */
  watch(worker: Watched): void {
    this.#watched.set(worker.index, { worker, stall: null });
    this.#timer ??= setInterval(() => this.#tick(), KILL_CHECK_MS).unref();
  }

  /**
   * Checks worker `index` for stalls from now on (once it serves). Returns the clock it is
   * judged on: `process` when its thread's own is not readable (workers/thread-cpu.ts).
   */
  checkStalls(index: number): CpuClockKind | null {
    const entry = this.#watched.get(index);
    if (entry === undefined) return null;
    entry.stall?.clock.close();
    const clock = new ThreadCpuClock(entry.worker.heartbeat.tid);
    const sample = clock.read() ?? { cpuMs: 0, waitMs: 0 };
    const meter = new SilenceMeter(
      entry.worker.heartbeat.beat,
      performance.now(),
      sample,
      this.#limits.maxGapMs,
    );
    entry.stall = { clock, meter };
    return clock.kind;
  }

  unwatch(index: number): void {
    this.#watched.get(index)?.stall?.clock.close();
    this.#watched.delete(index);
  }

  /** Only kill flags from now on (shutdown: workers closing must not be replaced). */
  stopStallChecks(): void {
    for (const entry of this.#watched.values()) {
      entry.stall?.clock.close();
      entry.stall = null;
    }
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.stopStallChecks();
    this.#watched.clear();
  }

  #tick(): void {
    for (const entry of this.#watched.values()) enforceKillFlag(entry.worker.killFlag);
    if (++this.#ticks % (STALL_CHECK_MS / KILL_CHECK_MS) !== 0) return;
    for (const entry of [...this.#watched.values()]) {
      if (entry.stall === null) continue;
      const { clock, meter } = entry.stall;
      // Null: its thread has ended; the supervisor sees it exit.
      const sample = clock.read();
      if (sample === null) continue;
      const { silence, ended } = meter.observe(
        entry.worker.heartbeat.beat,
        performance.now(),
        sample,
      );
      if (ended !== null && ended.cpuMs > this.#limits.cpuMs / 10) {
        this.#options.onLongStep?.(entry.worker, ended);
      }
      const signal = judge(silence, this.#limits);
      if (signal === null) continue;
      const stall: Stall = { ...silence, signal, clock: clock.kind };
      this.unwatch(entry.worker.index);
      this.#options.onStall(entry.worker, stall);
    }
  }
}
