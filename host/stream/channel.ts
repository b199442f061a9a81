/**
 * @module stream/channel
 * The bounded, back-pressured byte channel between a guest's response body and the socket.
 *
 * The guest side asks {@link ByteChannel.permit} how many bytes it may write (WASI `check-write`),
 * writes at most that many ({@link ByteChannel.write}), and waits on {@link ByteChannel.ready}
 * when the permit is 0. The socket side is a {@link ChannelSink} attached once the response head
 * is sent. Writes queue here (up to `capacity`) and move to the sink once per event-loop turn,
 * coalesced into one chunk; while the sink is back-pressured they stay here. So the bytes the
 * host holds for one body are at most `capacity` here plus the sink's own high-water mark, in a
 * handful of buffers: a slow client can't grow them, and thousands of tiny SSE events don't
 * become thousands of queued socket writes.
 *
 * Shaped after wasmtime's `BodyWriteStream` (wasi-http `p2/body.rs`): the channel is the flush
 * target, so `flush` completes as soon as bytes are in the channel.
 *
 * Whatever the sink throws (Node's `res.write`, `addTrailers`, `end` ...) ends this channel only:
 * the pump runs from `setImmediate` and from the sink's `drain`, where a throw would be an
 * uncaught exception that ends the whole thread, so the pump catches it, closes the channel
 * (writers get `closed`) and hands the error to {@link ChannelSink.fault}.
 */

/**
 * Joins chunks into one buffer of its own. (`Buffer.concat` slices small results from Node's
 * shared 64 KiB pool: a parked stream holding such a slice pins the whole slab.)
 */
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = Buffer.allocUnsafeSlow(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The socket side of a channel. */
export interface ChannelSink {
  /** Hands bytes to the socket; returns false when the writer should wait for {@link onDrain}. */
  write(chunk: Uint8Array): boolean;
  /** Sends the response head now if nothing else has carried it out yet. */
  flushHead(): void;
  /** Ends the body cleanly (terminating chunk, optional trailers), after `last` if given. */
  end(trailers?: Array<[string, string]>, last?: Uint8Array): void;
  /** Ends the body without a terminating chunk: the client sees a truncated stream. */
  truncate(): void;
  /** Registers the drain callback (called once per back-pressure episode). */
  onDrain(listener: () => void): void;
  /** Bytes the sink itself still buffers (for the buffered-bytes gauge). */
  pending(): number;
  /**
   * One of the calls above threw `err`: the response cannot go on. Called once; the channel is
   * closed by then. The sink ends its response (an error status before the head, a cut
   * connection after it); it must not throw.
   */
  fault(err: unknown): void;
}

/** Why a channel stopped accepting writes. */
type ChannelEnd = "finished" | "closed";

/** Thrown when a write exceeds the permit: a host invariant broken by the guest (a trap). */
export class PermitExceeded extends Error {
  override readonly name = "PermitExceeded";
}

/** Thrown when writing to a channel whose reader is gone or that was already finished. */
export class ChannelClosed extends Error {
  override readonly name = "ChannelClosed";
}

export class ByteChannel {
  /** Maximum bytes queued while the sink is back-pressured. */
  readonly capacity: number;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #sink: ChannelSink | null = null;
  #sinkBlocked = false;
  /** Set once: `finished` when the writer finished, `closed` when the reader went away. */
  #end: ChannelEnd | null = null;
  #trailers: Array<[string, string]> | undefined;
  /** Set when the writer finished but the queue has not drained into the sink yet. */
  #endPending = false;
  #truncatePending = false;
  /** One shared promise per back-pressure episode, so repeated polls don't pile up waiters. */
  #readyWait: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Called once when the reader goes away; removable, so waits that end otherwise leave nothing. */
  readonly #closeListeners = new Set<() => void>();
  #onBytes: ((n: number) => void) | undefined;
  #flushScheduled = false;
  /** The head has not gone out yet: the first pump sends it, with data when there is some. */
  #headPending = false;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#pump();
  };

  constructor(capacity: number, onBytes?: (n: number) => void) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`channel capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#onBytes = onBytes;
  }

  /** True once the reader went away (client disconnect or socket error). */
  get closed(): boolean {
    return this.#end === "closed";
  }

  /** True once the writer finished or truncated the body. */
  get ended(): boolean {
    return this.#end !== null || this.#endPending || this.#truncatePending;
  }

  /** Bytes queued in the channel plus what the sink still buffers. */
  get buffered(): number {
    return this.#queued + (this.#sink?.pending() ?? 0);
  }

  /**
   * Free room for the next write, in bytes: WASI `check-write`.
   * @throws {ChannelClosed} when the reader is gone or the body was finished.
   */
  permit(): number {
    if (this.#end !== null || this.ended) throw new ChannelClosed("channel is closed");
    return this.capacity - this.#queued;
  }

  /** True when a write can make progress now, or when the channel is closed (writes then fail). */
  isReady(): boolean {
    return this.#end !== null || this.ended || this.#queued < this.capacity;
  }

  /** Resolves when {@link isReady} becomes true. Never rejects. */
  ready(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    this.#readyWait ??= Promise.withResolvers<void>();
    return this.#readyWait.promise;
  }

  /**
   * Appends bytes: WASI `write`.
   * @throws {ChannelClosed} when the reader is gone or the body was finished.
   * @throws {PermitExceeded} when `bytes` is longer than {@link permit}; the caller traps.
   */
  write(bytes: Uint8Array): void {
    const permit = this.permit();
    if (bytes.length > permit) {
      throw new PermitExceeded(`write of ${bytes.length} bytes exceeds the permit of ${permit}`);
    }
    if (bytes.length === 0) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    this.#schedule();
  }

  /**
   * Connects the socket side, once the response is set. The head goes out at the end of this
   * turn, together with the body bytes written by then (one socket write for a small response).
   */
  attach(sink: ChannelSink): void {
    if (this.#sink !== null) throw new Error("channel sink already attached");
    this.#sink = sink;
    sink.onDrain(() => {
      this.#sinkBlocked = false;
      this.#pump();
    });
    if (this.#end === "closed") return;
    this.#headPending = true;
    this.#flushScheduled = false;
    this.#schedule();
  }

  /** The writer is done: the body ends cleanly once the queue drains. */
  finish(trailers?: Array<[string, string]>): void {
    if (this.ended) throw new ChannelClosed("channel is closed");
    this.#endPending = true;
    this.#trailers = trailers;
    this.#schedule();
  }

  /** The writer failed (trap, unfinished body): deliver what is queued, then cut the stream. */
  truncate(): void {
    if (this.ended) return; // finished (maybe still draining), closed, or already truncating
    this.#truncatePending = true;
    this.#schedule();
  }

  /** The reader went away: drop queued bytes and wake every parked writer. */
  close(): void {
    if (this.#end !== null) return;
    this.#closeNow();
  }

  #closeNow(): void {
    this.#end = "closed";
    this.#endPending = false;
    this.#truncatePending = false;
    this.#queue = [];
    this.#queued = 0;
    this.#wake();
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener();
  }

  /**
   * Calls `listener` once when the reader goes away (at once if it has), for a writer that waits
   * on something else and must stop then (an SSE live tail waiting on its mailbox). Returns the
   * function that removes it: a wait that ends otherwise must call it, or every wait would
   * leave its listener behind for the life of the stream.
   */
  onClose(listener: () => void): () => void {
    if (this.#end === "closed") {
      listener();
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Close listeners waiting (for tests: waits must not leave theirs behind). */
  get closeListeners(): number {
    return this.#closeListeners.size;
  }

  /** Moves the queue to the sink at the end of this event-loop turn (once per turn). */
  #schedule(): void {
    if (this.#flushScheduled || this.#sink === null || this.#sinkBlocked) return;
    this.#flushScheduled = true;
    setImmediate(this.#flush);
  }

  #pump(): void {
    const sink = this.#sink;
    if (sink === null || this.#end === "closed") return;
    try {
      this.#move(sink);
    } catch (err) {
      // Invariant: nothing thrown here leaves the pump (see the module comment).
      this.#closeNow();
      try {
        sink.fault(err);
      } catch {
        // Swallowed on purpose: fault must not throw, and if it does, this response is already
        // over for its writer; rethrowing would end every other response of the thread.
      }
    }
  }

  /** Moves queued bytes (and the end) into the sink. */
  #move(sink: ChannelSink): void {
    if (!this.#sinkBlocked && this.#queued > 0) {
      // One chunk per turn: one chunk header and one socket write for many small writes.
      const chunk = this.#queue.length === 1 ? this.#queue[0]! : concat(this.#queue, this.#queued);
      this.#queue = [];
      this.#queued = 0;
      this.#headPending = false; // the head goes out with the first bytes
      this.#onBytes?.(chunk.length);
      if (this.#endPending) {
        // The last bytes and the end in one write (with the head, for a small response).
        this.#endPending = false;
        this.#end = "finished";
        sink.end(this.#trailers, chunk);
        return;
      }
      if (!sink.write(chunk)) this.#sinkBlocked = true;
      this.#wake();
    }
    if (this.#queued > 0) return;
    if (this.#endPending) {
      this.#endPending = false;
      this.#end = "finished";
      sink.end(this.#trailers);
    } else if (this.#truncatePending) {
      this.#truncatePending = false;
      this.#end = "finished";
      // The head was promised when the response was set: it goes out even for an empty body.
      if (this.#headPending) sink.flushHead();
      this.#headPending = false;
      sink.truncate();
    } else if (this.#headPending) {
      this.#headPending = false;
      sink.flushHead();
    }
  }

  #wake(): void {
    const wait = this.#readyWait;
    this.#readyWait = null;
    wait?.resolve();
  }
}
