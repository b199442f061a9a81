/**
 * @module lifecycle/run-queue
 * The thread's run queue: every process start and every wake-up of a parked process passes
 * through it, so that the work one event-loop turn does stays bounded however many of them
 * arrive at once.
 *
 * Why: the work behind a start (instantiation, the guest's first run) or a wake-up (the guest
 * runs to its next wait or to its end, and an ended process is torn down) does not happen in
 * the callback that asks for it but in the microtasks after it, all in the same turn. 10,000
 * sockets closing in one read of the event loop (a load balancer restarting), a publish reaching
 * 5,000 parked subscribers, or 10,000 pipelined requests in one packet would each run all of
 * that work in one turn: seconds during which no other connection is served, and the watchdog
 * sees a stalled worker.
 *
 * How: a task runs at once while none is queued, fewer than {@link RunQueue.limit} ran in this
 * turn, and the turn is younger than {@link TURN_TARGET_MS} (a counter and a clock read: each
 * I/O callback's microtasks run before the next callback, so the clock sees the work of the
 * tasks before). The rest wait, in order, and the next turns run the limit's worth each. At the
 * start of each turn the previous turn's length (its tasks, the microtasks they caused, and
 * whatever else the loop did) adapts the limit: halved when the turn took more than
 * {@link TURN_TARGET_MS}, doubled when it used its whole limit in under half of it. This is
 * a pacing decision, not a judgement: a slow turn on a busy machine only makes the next turns
 * take fewer tasks, and every queued task still runs, in order.
 */

/** The work one turn aims at: long enough to amortise the turn, short enough to stay responsive. */
export const TURN_TARGET_MS = 10;
/** Tasks per turn: never fewer than this (progress), never more than that (one bad estimate). */
const MIN_LIMIT = 1;
/** A process start or teardown costs 20 µs to a few ms: a few hundred fill a turn. */
const MAX_LIMIT = 256;
const INITIAL_LIMIT = 32;

/** A FIFO of tasks with an amortised O(1) shift. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

export class RunQueue {
  readonly #queue = new Fifo<() => void>();
  #limit = INITIAL_LIMIT;
  #ranThisTurn = 0;
  /** A turn is open: its tasks are counted, and a setImmediate will close it. */
  #turnOpen = false;
  #turnStart = 0;
  #deferred = 0;
  readonly #now: () => number;
  readonly #closeTurn = (): void => this.#onTurnEnd();

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Tasks waiting for a later turn. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Tasks that waited for a later turn so far (`rusm_run_queue_deferred_total`). */
  get deferred(): number {
    return this.#deferred;
  }

  /** Tasks one turn may run now. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Runs `task` now, or in a later turn when this one has run its share. A task should not
   * throw (the callers' tasks resolve promises, or start and end processes, which settle every
   * failure themselves); if one does, the throw is reported as a process warning and goes no
   * further: it would otherwise escape into a socket's event or a setImmediate callback and end
   * the whole worker thread.
   */
  run(task: () => void): void {
    if (!this.#turnOpen) this.#openTurn();
    if (
      this.#queue.size === 0 &&
      this.#ranThisTurn < this.#limit &&
      this.#now() - this.#turnStart < TURN_TARGET_MS
    ) {
      this.#ranThisTurn++;
      runGuarded(task);
      return;
    }
    this.#deferred++;
    this.#queue.push(task);
  }

  #openTurn(): void {
    this.#turnOpen = true;
    this.#turnStart = this.#now();
    this.#ranThisTurn = 0;
    setImmediate(this.#closeTurn);
  }

  /** The turn's work (and its microtasks) is done: adapt, then run the next share of the queue. */
  #onTurnEnd(): void {
    const took = this.#now() - this.#turnStart;
    if (took > TURN_TARGET_MS) this.#limit = Math.max(MIN_LIMIT, this.#limit >> 1);
    else if (took < TURN_TARGET_MS / 2 && this.#ranThisTurn >= this.#limit) {
      this.#limit = Math.min(MAX_LIMIT, this.#limit * 2);
    }
    this.#turnOpen = false;
    if (this.#queue.size === 0) return;
    this.#openTurn();
    while (this.#ranThisTurn < this.#limit) {
      const task = this.#queue.shift();
      if (task === undefined) break;
      this.#ranThisTurn++;
      runGuarded(task);
    }
  }
}

/** Runs `task`; a throw is reported, never rethrown (see {@link RunQueue.run}). */
function runGuarded(task: () => void): void {
  try {
    task();
  } catch (err) {
    process.emitWarning(`rusm: a run-queue task threw (a host bug): ${String(err)}`, {
      type: "RusmWarning",
    });
  }
}

/** The run queue of this thread (module state is per worker thread). */
let thread: RunQueue | null = null;

export function threadRunQueue(): RunQueue {
  thread ??= new RunQueue();
  return thread;
}
