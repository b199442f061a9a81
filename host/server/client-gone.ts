/**
 * @module server/client-gone
 * A client's leaving, as an exchange (server/exchange.ts, server/ws-exchange.ts) tells it: at
 * once to whoever asks (`gone`), and to its listeners through the run queue. What the leaving
 * sets off (the channel closes, its writer wakes and unwinds, the process ends) is then done a
 * bounded share per event-loop turn: 10,000 clients leaving in one read of the event loop (a
 * proxy restarting) do not make one long turn.
 */
import { threadRunQueue } from "../lifecycle/run-queue.ts";

export class ClientGone {
  #gone = false;
  #listeners: Array<() => void> = [];

  /** True once the client has left. */
  get gone(): boolean {
    return this.#gone;
  }

  /** Calls `listener` once the client has left: at once when it has already. */
  on(listener: () => void): void {
    if (this.#gone) listener();
    else this.#listeners.push(listener);
  }

  /** The client left: `first` (the body closes), then every listener, through the run queue. */
  mark(first: () => void): void {
    if (this.#gone) return;
    this.#gone = true;
    threadRunQueue().run(() => {
      first();
      const listeners = this.#listeners;
      this.#listeners = [];
      for (const listener of listeners) listener();
    });
  }
}
