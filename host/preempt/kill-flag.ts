/**
 * @module preempt/kill-flag
 * The kill flag: one shared page per worker thread, through which the watchdog (another
 * thread) stops a guest that cannot stop itself. Kill-only checks (placements `calls` and
 * `kill`, preempt/instrument) load word 0 and trap when it is not zero; they never call the
 * host, which is what makes them cheap, so nothing on the worker's own thread can see a budget
 * run out while the guest spins. The watchdog can: the worker says which process runs and until
 * when its CPU budget lasts, and the watchdog, on its own thread, writes that process's token
 * into word 0 once the deadline passes.
 *
 * Layout (little-endian, one 64 KiB page, `WebAssembly.Memory({ shared: true })`):
 *
 * | bytes | what                                                                     |
 * |-------|--------------------------------------------------------------------------|
 * | 0..3  | kill word: 0, or the token of the process to stop (the guest traps)       |
 * | 4..7  | token of the process running now, 0 when none                            |
 * | 8..15 | f64: when its CPU budget runs out (ms, `performance.timeOrigin` based), or |
 * |       | +Infinity                                                                |
 *
 * The worker writes 4..15 whenever a process starts or stops running (and clears word 0 first);
 * the watchdog only ever writes word 0, with a compare-exchange, and undoes it when the process
 * it aimed at stopped running meanwhile.
 */

const KILL = 0;
const RUNNING = 1;
const DEADLINE = 1; // in f64 units: bytes 8..15

/** Creates the kill flag of one worker (the supervisor does, and hands it to the worker). */
export function createKillFlag(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
}

/** Milliseconds on a clock both threads share (`performance.now()` differs per thread). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The worker's side: who runs, and until when. */
export class KillFlagWriter {
  readonly #words: Int32Array;
  readonly #deadline: Float64Array;
  /** The watchdog fired and the guest it stopped has not been told yet. */
  #pending = false;

  constructor(flag: WebAssembly.Memory) {
    this.#words = new Int32Array(flag.buffer);
    this.#deadline = new Float64Array(flag.buffer, 0, 2);
  }

  /** Process `token` (> 0) runs now; its budget ends at `deadline` (sharedNow-based ms). */
  running(token: number, deadline: number): void {
    this.#clearKill();
    this.#deadline[DEADLINE] = deadline;
    Atomics.store(this.#words, RUNNING, token);
  }

  /** No process runs now (the one that did parked or ended). */
  idle(): void {
    Atomics.store(this.#words, RUNNING, 0);
    this.#clearKill();
  }

  /**
   * True (once) when the watchdog stopped the guest running on this thread. A guest stopped by
   * the flag traps with `unreachable`; the process that sees such a trap asks this, and the
   * answer is kept across later `running`/`idle` calls until asked.
   */
  consumeKill(): boolean {
    const fired = this.#pending || Atomics.load(this.#words, KILL) !== 0;
    this.#pending = false;
    Atomics.store(this.#words, KILL, 0);
    return fired;
  }

  #clearKill(): void {
    if (Atomics.exchange(this.#words, KILL, 0) !== 0) this.#pending = true;
  }
}

/**
 * The watchdog's side, called from its own thread every few ms: stops the running process when
 * its deadline passed. Returns the token it stopped, or 0.
 */
export function enforceKillFlag(flag: WebAssembly.Memory, now = sharedNow()): number {
  const words = new Int32Array(flag.buffer);
  const token = Atomics.load(words, RUNNING);
  if (token === 0) return 0;
  const deadline = new Float64Array(flag.buffer, 0, 2)[DEADLINE]!;
  if (!(now > deadline)) return 0;
  if (Atomics.compareExchange(words, KILL, 0, token) !== 0) return 0;
  // The process may have stopped running between the two reads: then take the kill back.
  if (Atomics.load(words, RUNNING) !== token) {
    Atomics.compareExchange(words, KILL, token, 0);
    return 0;
  }
  return token;
}
