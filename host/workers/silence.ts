/**
 * @module workers/silence
 * How long a worker has gone without a heartbeat, measured three ways, and which of the
 * watchdog's two signals that silence fires. Pure: the watchdog feeds it the beat counter, its
 * own wall clock and the worker thread's CPU clock (workers/thread-cpu.ts) at each check.
 *
 * - **`cpu`**: the worker's thread used more than `cpuMs` of CPU since its last beat. A thread
 *   that computes without returning to its event loop (a guest spinning without preemption
 *   checks, a host bug, a huge `memory.copy`) fires it. Time the OS gave to other processes,
 *   and time the whole process was stopped (SIGSTOP, a debugger), are not CPU time of that
 *   thread and do not count.
 * - **`blocked`**: the thread went `blockedMs` without a beat while neither on a CPU nor waiting
 *   for one: asleep in a syscall or a lock that does not return (a deadlock, a hung file
 *   system), which uses no CPU and so never fires `cpu`. The wall time counted is the watchdog's
 *   own between consecutive checks, at most `maxGapMs` per check: when the supervisor itself was
 *   not running (the whole process stopped, or starved), it cannot tell what the worker did, and
 *   counts only that much.
 */

/** The watchdog's signals, in the `signal` label of `rusm_watchdog_*`. */
export const STALL_SIGNALS = ["cpu", "blocked"] as const;
export type StallSignal = (typeof STALL_SIGNALS)[number];

/** When each signal fires (ms). */
export interface StallLimits {
  /** CPU time the worker's thread may use without a beat. */
  readonly cpuMs: number;
  /** Time without a beat, neither on a CPU nor waiting for one. */
  readonly blockedMs: number;
  /** The most wall time one check counts towards `blockedMs`. */
  readonly maxGapMs: number;
}

/** One reading of the worker thread's clock (workers/thread-cpu.ts `CpuSample`). */
export interface ClockSample {
  readonly cpuMs: number;
  readonly waitMs: number;
}

/** A silence so far (ms). */
export interface Silence {
  /** On the watchdog's wall clock, since the check that saw the last beat. */
  readonly wallMs: number;
  /** The worker thread's CPU time since then. */
  readonly cpuMs: number;
  /** Time counted towards `blocked` (see the module). */
  readonly blockedMs: number;
}

/** The signal a silence fires, or null. `cpu` wins when both would. */
export function judge(silence: Silence, limits: StallLimits): StallSignal | null {
  if (silence.cpuMs > limits.cpuMs) return "cpu";
  if (silence.blockedMs > limits.blockedMs) return "blocked";
  return null;
}

/** One worker's silence since the last beat the watchdog saw. */
export class SilenceMeter {
  readonly #maxGapMs: number;
  #beat: number;
  #since: number;
  #atBeat: ClockSample;
  /** The wall time counted since the beat: the gaps between checks, each at most maxGapMs. */
  #countedMs = 0;
  #lastNow: number;

  constructor(beat: number, now: number, sample: ClockSample, maxGapMs: number) {
    this.#maxGapMs = maxGapMs;
    this.#beat = beat;
    this.#since = now;
    this.#atBeat = sample;
    this.#lastNow = now;
  }

  /**
   * One check: `beat` as the worker's slot says now, `now` on the watchdog's wall clock, the
   * thread's clock now. Returns the silence so far (zero when the beat changed) and, when the
   * beat changed, the silence that this beat ended (`ended`).
   */
  observe(
    beat: number,
    now: number,
    sample: ClockSample,
  ): { readonly silence: Silence; readonly ended: Silence | null } {
    this.#countedMs += Math.min(now - this.#lastNow, this.#maxGapMs);
    this.#lastNow = now;
    const cpuMs = sample.cpuMs - this.#atBeat.cpuMs;
    // Subtracted over the whole silence, not per check: the kernel adds a wait to the thread's
    // figure only once the wait ends, and a running thread's CPU time at each tick, so a
    // check may see too little and a later one makes up for it.
    const used = cpuMs + (sample.waitMs - this.#atBeat.waitMs);
    const silence: Silence = {
      wallMs: now - this.#since,
      cpuMs,
      blockedMs: Math.max(0, this.#countedMs - used),
    };
    if (beat === this.#beat) return { silence, ended: null };
    this.#beat = beat;
    this.#since = now;
    this.#atBeat = sample;
    this.#countedMs = 0;
    return { silence: { wallMs: 0, cpuMs: 0, blockedMs: 0 }, ended: silence };
  }
}
