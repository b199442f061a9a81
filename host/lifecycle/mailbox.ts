/**
 * @module lifecycle/mailbox
 * A process's mailbox: a bounded FIFO of messages it waits on with a timeout.
 *
 * Waiting never polls: {@link Mailbox.next} returns a promise settled by the next
 * {@link Mailbox.offer}, by {@link Mailbox.close}, or by one timer; the process parks on it
 * (JSPI). The mailbox does not decide what happens when it is full: {@link Mailbox.offer}
 * says so and the sender (the broker) applies its overflow policy.
 */
import type { Message } from "./signal.ts";

/** What a wait on the mailbox gave: a closed union. */
export type Received =
  | { readonly kind: "message"; readonly message: Message }
  | { readonly kind: "timeout" }
  /** The mailbox was closed (the broker dropped this subscriber): nothing more will come. */
  | { readonly kind: "closed" };

const TIMEOUT: Received = { kind: "timeout" };
const CLOSED: Received = { kind: "closed" };

/** The longest wait a timer can express (about 24.8 days); longer waits are capped to it. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class Mailbox {
  /** How many messages it holds at most. */
  readonly capacity: number;
  #queue: Message[] = [];
  #head = 0;
  #closed = false;
  #waiter: ((received: Received) => void) | null = null;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`mailbox capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues `message`; false (nothing queued) when the mailbox is full or closed. */
  offer(message: Message): boolean {
    if (this.#closed || this.size >= this.capacity) return false;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter({ kind: "message", message });
      return true;
    }
    this.#queue.push(message);
    return true;
  }

  /** Removes and returns the oldest message (for drop-oldest). */
  dropOldest(): Message | undefined {
    if (this.size === 0) return undefined;
    const message = this.#queue[this.#head]!;
    this.#take();
    return message;
  }

  /** Closes the mailbox: queued messages are discarded and returned; a waiter gets `closed`. */
  close(): Message[] {
    if (this.#closed) return [];
    this.#closed = true;
    const discarded = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(CLOSED);
    return discarded;
  }

  /** The next message at once, if one is queued (or `closed`); null when it would wait. */
  poll(): Received | null {
    if (this.size > 0) {
      const message = this.#queue[this.#head]!;
      this.#take();
      return { kind: "message", message };
    }
    return this.#closed ? CLOSED : null;
  }

  /**
   * The next message, waiting up to `timeoutMs` for one. At most one waiter at a time (a
   * process has one stack). `cancelOn` lets the caller end the wait early, as a timeout (its
   * reason to stop waiting, e.g. its client left): it is given the function that ends the wait
   * and returns the function that unregisters it, called whenever the wait ends. Each wait
   * leaves nothing behind: one timer, cleared, and one listener, removed.
   */
  next(timeoutMs: number, cancelOn?: (cancel: () => void) => () => void): Promise<Received> {
    const now = this.poll();
    if (now !== null) return Promise.resolve(now);
    if (this.#waiter !== null) throw new Error("mailbox: a second waiter (one process, one stack)");
    return new Promise<Received>((resolve) => {
      // Filled in once cancelOn returns; cancelOn may cancel at once, before it does.
      const hook: { unregister?: (() => void) | undefined } = {};
      let settled = false;
      const settle = (received: Received): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        hook.unregister?.();
        if (this.#waiter === settle) this.#waiter = null;
        resolve(received);
      };
      this.#waiter = settle;
      const timer = setTimeout(
        () => settle(TIMEOUT),
        Math.min(Math.max(0, timeoutMs), MAX_TIMEOUT_MS),
      );
      hook.unregister = cancelOn?.(() => settle(TIMEOUT));
      if (settled) hook.unregister?.(); // cancelled at once, before `unregister` was known
    });
  }

  #take(): void {
    this.#head++;
    // Compact now and then: the queue is an array with a moving head.
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
