/**
 * @module component/memory-pool
 * Reused linear memories for one core module, so that a request does not pay for a fresh one.
 *
 * A fresh `WebAssembly.Memory` costs its first-touch page faults, and on a VM those are dear:
 * measured here, one fault on fresh memory costs ~300 µs (mmap + touch + munmap in C), more than
 * the rest of a small guest's request. So each process still gets a brand-new instance, but its
 * memory comes from this pool, capped at `max-memory-mb` like any other and holding the module's
 * initial image: at load, rusm captured what the data segments write and made them passive
 * (wasm-binary.ts {@link passiveDataSegments}), so instantiation copies nothing. A released
 * memory gets the image back at once, which keeps {@link MemoryPool.acquire} cheap. For a module
 * whose segments could not be captured (an offset that is not a constant) the image is all
 * zeros, and instantiation writes the segments again, as a fresh memory would get them.
 *
 * A memory is reused only when its process ended normally (or disconnected) and the memory did
 * not grow (wasm memories cannot shrink); any other is left to the GC. The pool keeps at most
 * `pool` idle memories (routes.toml; default {@link defaultPoolSize}), and {@link MemoryPools}
 * looks at every pool once per `pool-idle-seconds`: a pool that served no acquire during the last
 * period drops half its idle memories.
 */

import { WASM_PAGE_BYTES, type MemoryLimits } from "./wasm-binary.ts";

/** The initial memory the default pool size may keep idle. */
export const POOL_BYTES = 64 * 1024 * 1024;
/** The most idle memories a default-sized pool keeps. */
export const POOL_MAX_DEFAULT = 64;

/** Where an acquired memory came from. */
export type AcquireSource = "pool" | "fresh";
/**
 * Why a memory was not kept: it `grew`, its process did not end `unclean`ly (trap, oom,
 * killed), the pool was `full`, or the pool shrank while `idle`.
 */
export type DiscardReason = "grew" | "unclean" | "full" | "idle";

/** Sees what a pool does (the metrics, wired by the server). */
export interface PoolObserver {
  acquired(source: AcquireSource): void;
  discarded(reason: DiscardReason): void;
}

/** The default pool size: as many memories as fit in {@link POOL_BYTES}, from 1 to 64. */
export function defaultPoolSize(initialBytes: number): number {
  const fit = Math.floor(POOL_BYTES / Math.max(initialBytes, 1));
  return Math.min(POOL_MAX_DEFAULT, Math.max(1, fit));
}

export interface MemoryPoolOptions {
  /** Idle memories kept at most; 0: none (each process gets a new memory). */
  size?: number | undefined;
  /**
   * What an acquired memory holds (its initial size exactly); absent: zeros, and the module
   * writes its data segments at instantiation.
   */
  image?: Uint8Array | null | undefined;
  observer?: PoolObserver | undefined;
}

export class MemoryPool {
  readonly #descriptor: WebAssembly.MemoryDescriptor;
  readonly #initialBytes: number;
  /** The part of the image that is not zero: all a fresh (zeroed) memory needs written. */
  readonly #imageData: { at: number; bytes: Uint8Array } | null;
  readonly #size: number;
  readonly #observer: PoolObserver | undefined;
  readonly #idle: WebAssembly.Memory[] = [];
  #acquiredSinceShrink = false;

  constructor(limits: MemoryLimits, options: MemoryPoolOptions = {}) {
    const initial = Number(limits.initialPages);
    this.#descriptor =
      limits.maximumPages === undefined
        ? { initial }
        : { initial, maximum: Number(limits.maximumPages) };
    this.#initialBytes = initial * WASM_PAGE_BYTES;
    const image = options.image ?? null;
    if (image !== null && image.length !== this.#initialBytes) {
      throw new RangeError(
        `memory image of ${image.length} bytes for a memory of ${this.#initialBytes}`,
      );
    }
    this.#imageData = image === null ? null : nonZero(image);
    this.#size = options.size ?? defaultPoolSize(this.#initialBytes);
    this.#observer = options.observer;
  }

  /** Idle memories held. */
  get idle(): number {
    return this.#idle.length;
  }

  /** Idle memories kept at most. */
  get size(): number {
    return this.#size;
  }

  /** A memory of the module's initial size and cap, holding its initial image. */
  acquire(): WebAssembly.Memory {
    this.#acquiredSinceShrink = true;
    // Invariant: an idle memory got the image back when it was released.
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      this.#observer?.acquired("pool");
      return idle;
    }
    const memory = new WebAssembly.Memory(this.#descriptor);
    // A new memory is zeroed: write only what is not, so untouched pages stay unfaulted.
    if (this.#imageData !== null) {
      new Uint8Array(memory.buffer).set(this.#imageData.bytes, this.#imageData.at);
    }
    this.#observer?.acquired("fresh");
    return memory;
  }

  /**
   * Takes a memory back once its process has ended. `clean`: the process ended normally (or its
   * client went away), so nothing it left behind matters once the image is restored.
   */
  release(memory: WebAssembly.Memory, clean: boolean): void {
    if (!clean) return this.#discard("unclean");
    if (memory.buffer.byteLength !== this.#initialBytes) return this.#discard("grew");
    if (this.#idle.length >= this.#size) return this.#discard("full");
    // Invariant: the process that used it has ended, so no instance can touch it any more.
    const view = new Uint8Array(memory.buffer);
    const data = this.#imageData;
    if (data === null) {
      view.fill(0);
    } else {
      // The image is mostly zeros: filling them is cheaper than copying them.
      view.fill(0, 0, data.at);
      view.set(data.bytes, data.at);
      view.fill(0, data.at + data.bytes.length);
    }
    this.#idle.push(memory);
  }

  /**
   * Called once per idle period: when no acquire came since the last call, drops half the idle
   * memories (rounding up, so a last one goes too).
   */
  shrinkIfIdle(): void {
    if (!this.#acquiredSinceShrink) {
      const drop = Math.ceil(this.#idle.length / 2);
      this.#idle.length -= drop;
      for (let i = 0; i < drop; i++) this.#observer?.discarded("idle");
    }
    this.#acquiredSinceShrink = false;
  }

  /** Drops every idle memory (server shutdown). */
  clear(): void {
    this.#idle.length = 0;
  }

  #discard(reason: DiscardReason): void {
    // Dropped for the GC: nothing else refers to the memory once its instance is gone.
    this.#observer?.discarded(reason);
  }
}

function nonZero(image: Uint8Array): { at: number; bytes: Uint8Array } | null {
  let start = 0;
  while (start < image.length && image[start] === 0) start++;
  if (start === image.length) return null;
  let end = image.length;
  while (image[end - 1] === 0) end--;
  return { at: start, bytes: image.subarray(start, end) };
}

export interface MemoryPoolsOptions {
  /** `[serve] pool-idle-seconds`: a pool that served no acquire during one such period halves. */
  idleSeconds: number;
  /** The observer of a component's pools. */
  observer?: ((component: string) => PoolObserver) | undefined;
}

/**
 * The memory pools of one server: one idle timer for all of them (unref'd, so it never keeps
 * Node alive), the idle counts for the metrics, and {@link MemoryPools.close} at shutdown.
 */
export class MemoryPools {
  readonly #options: MemoryPoolsOptions;
  readonly #pools: Array<{ component: string; pool: MemoryPool }> = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: MemoryPoolsOptions) {
    this.#options = options;
  }

  /** A pool for one module of `component`. */
  create(
    component: string,
    limits: MemoryLimits,
    options: Omit<MemoryPoolOptions, "observer"> = {},
  ): MemoryPool {
    const pool = new MemoryPool(limits, {
      ...options,
      observer: this.#options.observer?.(component),
    });
    this.#pools.push({ component, pool });
    if (this.#timer === null && !this.#closed) {
      this.#timer = setInterval(() => {
        for (const p of this.#pools) p.pool.shrinkIfIdle();
      }, this.#options.idleSeconds * 1000).unref();
    }
    return pool;
  }

  /** Idle memories by component (every component with a pool, 0 included). */
  idleByComponent(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { component, pool } of this.#pools) {
      out.set(component, (out.get(component) ?? 0) + pool.idle);
    }
    return out;
  }

  /** Stops the idle timer and drops every idle memory. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const { pool } of this.#pools) pool.clear();
  }
}
