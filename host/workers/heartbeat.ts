/**
 * @module workers/heartbeat
 * The watchdog's slot of one worker: a SharedArrayBuffer the worker writes and the supervisor
 * reads, with atomics, so the supervisor sees a worker whose event loop cannot answer a message.
 *
 * | Int32 word | written by the worker                                                   |
 * |------------|-------------------------------------------------------------------------|
 * | 0          | beat: incremented every {@link BEAT_MS} by an event-loop timer           |
 * | 1          | open connections on its public listener (on each change)                 |
 * | 2          | live processes started by its requests (on each change)                   |
 * | 3          | its thread id (Linux; 0 when unknown), once at start: workers/thread-cpu  |
 *
 * The beat is a counter, not a time: the watchdog notes, on its own clocks (wall and the
 * worker thread's CPU time), when it last saw it change, so the two threads need no common clock.
 */

/** How often a worker's event loop beats. */
export const BEAT_MS = 100;

const BEAT = 0;
const CONNECTIONS = 1;
const PROCESSES = 2;
const TID = 3;
const WORDS = 4;

/** A new slot (the supervisor makes one per worker). */
export function createHeartbeat(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** The worker's side. */
export class HeartbeatWriter {
  readonly #words: Int32Array;
  #timer: NodeJS.Timeout | null = null;

  /** `tid`: the worker's thread id (workers/thread-cpu `currentThreadId()`), 0 when unknown. */
  constructor(slot: SharedArrayBuffer, tid: number) {
    this.#words = new Int32Array(slot);
    Atomics.store(this.#words, TID, tid);
  }

  /** Beats every {@link BEAT_MS} until {@link stop}. */
  start(): void {
    this.#timer ??= setInterval(() => Atomics.add(this.#words, BEAT, 1), BEAT_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  load(connections: number, processes: number): void {
    Atomics.store(this.#words, CONNECTIONS, connections);
    Atomics.store(this.#words, PROCESSES, processes);
  }
}

/** The supervisor's side. */
export class HeartbeatReader {
  readonly #words: Int32Array;

  constructor(slot: SharedArrayBuffer) {
    this.#words = new Int32Array(slot);
  }

  /** The beat counter: it changes while the worker's event loop turns. */
  get beat(): number {
    return Atomics.load(this.#words, BEAT);
  }

  /** The worker's thread id, 0 when unknown (or not yet written: it is, before `ready`). */
  get tid(): number {
    return Atomics.load(this.#words, TID);
  }

  get connections(): number {
    return Atomics.load(this.#words, CONNECTIONS);
  }

  get processes(): number {
    return Atomics.load(this.#words, PROCESSES);
  }
}
