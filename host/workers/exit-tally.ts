/**
 * @module workers/exit-tally
 * Every exit a worker counted, where its replacement cannot lose it: a SharedArrayBuffer the
 * worker's process registry writes as each process starts and ends (lifecycle/registry.ts
 * `ProcessTally`) and the supervisor reads, even after the thread is gone. `/metrics` takes
 * `rusm_process_exits_total` from here, not from the workers' scrape answers (an answer is as
 * old as the last scrape: what a replaced worker counted after it was lost with it).
 *
 * | BigInt64 word | written by the worker                                         |
 * |---------------|---------------------------------------------------------------|
 * | 0             | processes started                                             |
 * | 1 + i         | processes that ended with reason `EXIT_REASONS[i]`            |
 *
 * The start is counted before the process can end, and each count is one atomic add, so at
 * any moment `started - Σ exits` are the processes live on that worker: once its thread has
 * ended (terminated by the watchdog), exactly the ones lost with it, which the supervisor counts
 * `killed`. Each exit is counted once: by the worker, or as lost, never both. 64-bit words: a
 * 32-bit count would wrap after 2^31 processes (days at 10,000 requests/s).
 */
import { EXIT_REASONS, type ExitReason } from "../lifecycle/exit.ts";
import type { ProcessTally } from "../lifecycle/registry.ts";

const STARTED = 0;
const REASON_INDEX = new Map<ExitReason, number>(EXIT_REASONS.map((r, i) => [r, 1 + i]));

/** A new tally (the supervisor makes one per worker thread). */
export function createExitTally(): SharedArrayBuffer {
  return new SharedArrayBuffer((1 + EXIT_REASONS.length) * BigInt64Array.BYTES_PER_ELEMENT);
}

/** The worker's side, handed to its process registry. */
export class ExitTallyWriter implements ProcessTally {
  readonly #words: BigInt64Array;

  constructor(tally: SharedArrayBuffer) {
    this.#words = new BigInt64Array(tally);
  }

  started(): void {
    Atomics.add(this.#words, STARTED, 1n);
  }

  exited(reason: ExitReason): void {
    Atomics.add(this.#words, REASON_INDEX.get(reason)!, 1n);
  }
}

/** The supervisor's side. */
export class ExitTallyReader {
  readonly #words: BigInt64Array;

  constructor(tally: SharedArrayBuffer) {
    this.#words = new BigInt64Array(tally);
  }

  /** Exits by reason so far (every reason, 0 included). */
  exits(): Record<ExitReason, number> {
    const out = {} as Record<ExitReason, number>;
    for (const [reason, i] of REASON_INDEX) out[reason] = Number(Atomics.load(this.#words, i));
    return out;
  }

  /** Processes started and not yet ended: once the thread is gone, the ones lost with it. */
  live(): number {
    // Exits first: a process that ends between the two loads is then still counted live,
    // never negative (the start is counted before its exit).
    let ended = 0n;
    for (const i of REASON_INDEX.values()) ended += Atomics.load(this.#words, i);
    return Number(Atomics.load(this.#words, STARTED) - ended);
  }
}
