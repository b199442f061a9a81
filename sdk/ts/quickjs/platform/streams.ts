/**
 * @module rusm/guest/quickjs/platform/streams
 * `ReadableStream`: a default stream with start/pull, read by the response writer.
 */
import { g } from "./global.js";

interface Source {
  start?(c: Controller): unknown;
  pull?(c: Controller): unknown;
  cancel?(reason: unknown): unknown;
}
interface Controller {
  enqueue(chunk: unknown): void;
  close(): void;
  error(e: unknown): void;
  readonly desiredSize: number;
}
export class PReadableStream {
  readonly #state = { queue: [] as unknown[], closed: false, error: null as { e: unknown } | null };
  #source: Source;
  #started: Promise<unknown>;
  #controller: Controller;
  locked = false;
  constructor(source: Source = {}) {
    this.#source = source;
    const state = this.#state;
    this.#controller = {
      enqueue: (chunk: unknown) => void state.queue.push(chunk),
      close: () => void (state.closed = true),
      error: (e: unknown) => void (state.error = { e }),
      get desiredSize() {
        return state.queue.length === 0 ? 1 : 0;
      },
    };
    this.#started = Promise.resolve(source.start?.(this.#controller));
  }
  getReader() {
    this.locked = true;
    return {
      read: () => this.#read(),
      cancel: (reason?: unknown) => Promise.resolve(this.#source.cancel?.(reason)),
      releaseLock: () => void (this.locked = false),
    };
  }
  async #read(): Promise<{ value?: unknown; done: boolean }> {
    await this.#started;
    for (;;) {
      const state = this.#state;
      if (state.error) throw state.error.e;
      if (state.queue.length > 0) return { value: state.queue.shift(), done: false };
      if (state.closed || !this.#source.pull) return { done: true };
      await this.#source.pull(this.#controller);
    }
  }
  cancel(reason?: unknown): Promise<unknown> {
    return Promise.resolve(this.#source.cancel?.(reason));
  }
}
g["ReadableStream"] = PReadableStream;
