/**
 * @module workers/exit-tally
 * Every exit a worker counted, where its replacement cannot lose it: a SharedArrayBuffer the
 * worker's process registry writes as each process starts and ends (lifecycle/registry.ts
 * `ProcessTally`) and the supervisor reads, even after the thread is gone. `/metrics` takes
 * `rusm_process_exits_total` from here, not from the workers' scrape answers (an answer is as
 * old as the last scrape: what a replaced worker counted after it was lost with it).
 *
 * One block of words per component, in `[components]` order (c: its index, R: the number of
 * exit reasons):
 *
 * | BigInt64 word       | written by the worker                                         |
 * |---------------------|---------------------------------------------------------------|
 * | c(1+R)              | processes of component c started                              |
 * | c(1+R) + 1 + i      | processes of component c that ended with `EXIT_REASONS[i]`    |
 *
 * The start is counted before the process can end, and each count is one atomic add, so at
 * any moment `started - Σ exits` are the processes live on that worker: once its thread has
 * ended (terminated by the watchdog), exactly the ones lost with it, which the supervisor counts
 * `killed`. Each exit is counted once: by the worker, or as lost, never both. 64-bit words: a
 * 32-bit count would wrap after 2^31 processes (days at 10,000 requests/s).
 */
import { EXIT_REASONS, type ExitReason } from "../lifecycle/exit.ts";
import type { ProcessTally } from "../lifecycle/registry.ts";

const BLOCK = 1 + EXIT_REASONS.length;
const REASON_INDEX = new Map<ExitReason, number>(EXIT_REASONS.map((r, i) => [r, 1 + i]));

/** A new tally for `components` (the supervisor makes one per worker thread). */
export function createExitTally(components: readonly string[]): SharedArrayBuffer {
  return new SharedArrayBuffer(components.length * BLOCK * BigInt64Array.BYTES_PER_ELEMENT);
}

/** Each component's first word. */
function blocks(components: readonly string[]): Map<string, number> {
  return new Map(components.map((name, c) => [name, c * BLOCK]));
}

/** The worker's side, handed to its process registry. */
export class ExitTallyWriter implements ProcessTally {
  readonly #words: BigInt64Array;
  readonly #blocks: Map<string, number>;

  /** `components`: the names the tally was made for, in the same order. */
  constructor(tally: SharedArrayBuffer, components: readonly string[]) {
    this.#words = new BigInt64Array(tally);
    this.#blocks = blocks(components);
  }

  started(component: string): void {
    const at = this.#blocks.get(component);
    if (at !== undefined) Atomics.add(this.#words, at, 1n);
  }

  exited(component: string, reason: ExitReason): void {
    const at = this.#blocks.get(component);
    if (at !== undefined) Atomics.add(this.#words, at + REASON_INDEX.get(reason)!, 1n);
  }
}

/** The supervisor's side. */
export class ExitTallyReader {
  readonly #words: BigInt64Array;
  readonly #blocks: Map<string, number>;

  constructor(tally: SharedArrayBuffer, components: readonly string[]) {
    this.#words = new BigInt64Array(tally);
    this.#blocks = blocks(components);
  }

  /** Exits by component, then by reason, so far (every reason, 0 included). */
  exits(): Record<string, Record<ExitReason, number>> {
    const out: Record<string, Record<ExitReason, number>> = {};
    for (const [component, at] of this.#blocks) {
      const reasons = {} as Record<ExitReason, number>;
      for (const [reason, i] of REASON_INDEX) {
        reasons[reason] = Number(Atomics.load(this.#words, at + i));
      }
      out[component] = reasons;
    }
    return out;
  }

  /** Processes started and not yet ended, by component: once the thread is gone, the ones lost with it. */
  liveByComponent(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [component, at] of this.#blocks) {
      // Exits first: a process that ends between the loads is then still counted live,
      // never negative (the start is counted before its exit).
      let ended = 0n;
      for (const i of REASON_INDEX.values()) ended += Atomics.load(this.#words, at + i);
      out[component] = Number(Atomics.load(this.#words, at) - ended);
    }
    return out;
  }

  /** Processes started and not yet ended, all components. */
  live(): number {
    let n = 0;
    for (const live of Object.values(this.liveByComponent())) n += live;
    return n;
  }
}
