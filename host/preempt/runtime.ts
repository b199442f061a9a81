/**
 * @module preempt/runtime
 * The host side of preemption, per thread: what an instrumented guest's checks call
 * (preempt/instrument adds them), CPU accounting, and the kill flag the watchdog writes.
 *
 * A process's CPU time is the time it runs on its thread: from its entry, or the moment it was
 * resumed, to the moment it parks, yields or ends. Parked time (a blocking call waiting, a
 * yield waiting for the event loop) does not count; host work done inside its calls does.
 * Resumptions are marked when the promise a guest waits on settles; the guest runs a microtask
 * later, so when several resume at once each run is counted from the later of its mark and the
 * moment the thread's previous run ended ({@link CpuMeter}).
 *
 * Checks call the host every so much "fuel" (one unit per loop iteration or function entry);
 * each process adapts its own amount ({@link FuelGauge}) so that it calls about once per
 * {@link TICK_MS} of its CPU time, whatever its loops cost (a WAT `br` loop runs billions of
 * checks a second, StarlingMonkey's interpreter far fewer).
 */
import { KillFlagWriter, createKillFlag } from "./kill-flag.ts";

/** The import module instrumented core modules import from (preempt/instrument). */
export { PREEMPT_MODULE } from "./rewrite-context.ts";

/** How often a spinning guest's checks call the host, about. */
export const TICK_MS = 1;
const MIN_FUEL = 64;
const MAX_FUEL = 1 << 30;
/** A process's first fuel: small, so a slow loop calls soon; fast loops double it quickly. */
const INITIAL_FUEL = 1024;

/** Thrown by a check when its process has used its CPU budget: the process traps. */
export class CpuBudgetExceeded extends Error {
  override readonly name = "CpuBudgetExceeded";
}

/** The thread's state: one of these per worker thread (module state is per thread). */
let killFlag: WebAssembly.Memory | null = null;
let writer: KillFlagWriter | null = null;
/** When the last guest run on this thread ended (performance.now()). */
let lastStop = 0;

/**
 * Installs the worker's kill flag (made by the supervisor, which watches it). Without one (rusm
 * served in-process, host/testing) a local flag is made that nothing watches: kill-only checks
 * then never fire.
 */
export function installKillFlag(flag: WebAssembly.Memory): void {
  killFlag = flag;
  writer = new KillFlagWriter(flag);
}

/** The thread's kill flag, made on first use when none was installed. */
export function threadKillFlag(): { memory: WebAssembly.Memory; writer: KillFlagWriter } {
  if (killFlag === null || writer === null) installKillFlag(createKillFlag());
  return { memory: killFlag!, writer: writer! };
}

/** One process's fuel: how many checks pass between two calls to the host. */
export class FuelGauge {
  #fuel = INITIAL_FUEL;
  #last = -1;

  /**
   * The fuel for the next stretch, given the time the process has run so far (its CPU time, so
   * that parked or yielded time says nothing): doubled while calls come faster than a quarter
   * of {@link TICK_MS}, scaled down in proportion while slower than twice it.
   */
  next(ranMs: number): number {
    if (this.#last >= 0) {
      const since = ranMs - this.#last;
      // 0: the process's clock did not move (its instance is being made): no information.
      if (since <= 0) return this.#fuel;
      if (since < TICK_MS / 4) this.#fuel = Math.min(MAX_FUEL, this.#fuel * 2);
      else if (since > TICK_MS * 2) {
        this.#fuel = Math.max(MIN_FUEL, Math.floor((this.#fuel * TICK_MS) / since));
      }
    }
    this.#last = ranMs;
    return this.#fuel;
  }
}

/** One process's CPU time. */
export class CpuMeter {
  /** Milliseconds of CPU allowed; Infinity for no budget. */
  readonly budgetMs: number;
  #used = 0;
  /** When the current run was marked to start, or -1 when not running. */
  #since = -1;

  constructor(budgetMs: number) {
    this.budgetMs = budgetMs > 0 ? budgetMs : Infinity;
  }

  /** The process starts or resumes running (its entry, or its wait settled). */
  enter(now = performance.now()): void {
    if (this.#since < 0) this.#since = now;
  }

  /** The process stops running (it parks, yields or ended). */
  leave(now = performance.now()): void {
    if (this.#since < 0) return;
    this.#used += Math.max(0, now - Math.max(this.#since, lastStop));
    this.#since = -1;
    lastStop = now;
  }

  /** CPU used so far, in ms. */
  used(now = performance.now()): number {
    if (this.#since < 0) return this.#used;
    return this.#used + Math.max(0, now - Math.max(this.#since, lastStop));
  }

  /** What is left of the budget, in ms (Infinity without one). */
  remaining(now = performance.now()): number {
    return this.budgetMs - this.used(now);
  }
}
