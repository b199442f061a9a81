/**
 * @module server/connection-gate
 * Pipelined requests of one connection: at most `max-pipelined` of them have a process at once;
 * the later ones wait, in order, and start as earlier ones end.
 *
 * Node emits every request of one socket read at once (10,000 tiny pipelined requests in one
 * packet are 10,000 `request` events in one turn). HTTP/1.1 answers them in order, so a later
 * request's process could not send its answer before the earlier ones anyway: running them all
 * at once only piles up work and memory. While requests wait, the socket is paused (no further
 * reads); past {@link WAITING_MAX} waiting, a request is refused (503) and the connection closes.
 */
import type { Socket } from "node:net";

/**
 * Requests that may wait on one connection; the next is refused (503, then the connection
 * closes, which tells an HTTP/1.1 client to retry what was not answered). Node parses what a
 * socket read holds whether or not the socket is paused, and resumes a paused socket on its
 * own, so this bound, not the pause, is what caps a connection's waiting requests.
 */
export const WAITING_MAX = 1024;

export class ConnectionGate {
  readonly #socket: Socket;
  readonly #max: number;
  #running = 0;
  #waiting: Array<() => void> = [];
  #head = 0;

  constructor(socket: Socket, maxRunning: number) {
    this.#socket = socket;
    this.#max = maxRunning;
  }

  /** Requests waiting for an earlier one of this connection to end. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /** True when {@link WAITING_MAX} requests already wait: a further one is refused. */
  get full(): boolean {
    return this.waiting >= WAITING_MAX;
  }

  /** Starts a request now, or once an earlier one ends (check {@link full} first). */
  admit(start: () => void): void {
    if (this.#running < this.#max) {
      this.#running++;
      start();
      return;
    }
    this.#waiting.push(start);
    // Nothing more from this client until its earlier requests end.
    if (!this.#socket.isPaused()) this.#socket.pause();
  }

  /** One of its requests ended: the next waiting one starts. */
  done(): void {
    this.#running--;
    const next = this.#waiting[this.#head];
    if (next === undefined) return;
    this.#waiting[this.#head++] = undefined as unknown as () => void;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
      if (!this.#socket.destroyed) this.#socket.resume();
    }
    this.#running++;
    next();
  }
}

/** The gate of a connection whose requests do not wait for each other (an HTTP/2 stream's). */
export const OPEN_GATE: Pick<ConnectionGate, "full" | "admit" | "done"> = {
  full: false,
  admit: (start) => start(),
  done: () => undefined,
};

const gates = new WeakMap<Socket, ConnectionGate>();

/** The gate of `socket`, made on its first request. */
export function connectionGate(socket: Socket, maxRunning: number): ConnectionGate {
  let gate = gates.get(socket);
  if (gate === undefined) gates.set(socket, (gate = new ConnectionGate(socket, maxRunning)));
  return gate;
}
