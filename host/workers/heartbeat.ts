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
 *
 * The beat is a counter, not a time: the supervisor notes, on its own clock, when it last saw it
 * change, so the two threads need no common clock.
 */

/** How often a worker's event loop beats. */
export const BEAT_MS = 100;

const BEAT = 0;
const CONNECTIONS = 1;
const PROCESSES = 2;
const WORDS = 3;

/** A new slot (the supervisor makes one per worker). */
export function createHeartbeat(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** The worker's side. */
export class HeartbeatWriter {
  readonly #words: Int32Array;
  #timer: NodeJS.Timeout | null = null;

  constructor(slot: SharedArrayBuffer) {
    this.#words = new Int32Array(slot);
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
  #lastBeat: number;
  #lastChange: number;

  constructor(slot: SharedArrayBuffer, now: number) {
    this.#words = new Int32Array(slot);
    this.#lastBeat = Atomics.load(this.#words, BEAT);
    this.#lastChange = now;
  }

  /** Counts from `now` as if the beat had just changed (a worker that starts serving). */
  reset(now: number): void {
    this.#lastBeat = Atomics.load(this.#words, BEAT);
    this.#lastChange = now;
  }

  /** Milliseconds since the beat last changed, as of `now` (`performance.now()`). */
  silentFor(now: number): number {
    const beat = Atomics.load(this.#words, BEAT);
    if (beat !== this.#lastBeat) {
      this.#lastBeat = beat;
      this.#lastChange = now;
    }
    return now - this.#lastChange;
  }

  get connections(): number {
    return Atomics.load(this.#words, CONNECTIONS);
  }

  get processes(): number {
    return Atomics.load(this.#words, PROCESSES);
  }
}
