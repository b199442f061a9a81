/**
 * @module component/memory-pool
 * Reused linear memories for one core module, so that a request does not pay for a fresh one.
 *
 * A fresh `WebAssembly.Memory` costs its mapping and a page fault for every page first touched,
 * and on a VM those are dear (measured on the reference VM: ~12 µs per 4 KiB page, in C as in
 * JS). So each process still gets a brand-new instance, but its memory comes from this pool,
 * capped at `max-memory-mb` like any other and holding the module's initial image: at load,
 * rusm captured what the data segments write and made them passive (wasm/binary.ts
 * {@link passiveDataSegments}), so instantiation copies nothing. A new memory gets only the
 * image's non-zero pages, and a released one gets back, at once, only the pages that differ
 * from the image (memory-image.ts), looking only at pages the kernel holds (resident-pages.ts):
 * no page is touched that no process needed. For a module whose segments could not be captured
 * (an offset that is not a constant) the image is all zeros, and instantiation writes the
 * segments again, as a fresh memory would get them.
 *
 * Reusing a memory is always the cheaper way, measured on the reference VM for StarlingMonkey
 * (10.5 MB, 1,402 non-zero pages): a new memory costs ~0.3 ms to map, ~17 ms of page faults to
 * fill, and its unmapping later; restoring a used one costs ~0.5 ms (read which pages are
 * held, compare them with the image, write back the ~180 a live tail changed). A reused memory
 * may hold more resident pages than a new one: zeroed pages some former process touched.
 *
 * A memory is reused only when its process ended normally (or disconnected) and the memory did
 * not grow (wasm memories cannot shrink); any other is left to the GC. The pool keeps at most
 * `pool` idle memories (routes.toml; default {@link defaultPoolSize}: as many as fit in 64 MiB
 * of what an idle memory holds resident, the image's non-zero pages), and {@link MemoryPools}
 * looks at every pool once per `pool-idle-seconds`: a pool that served no acquire during the last
 * period drops half its idle memories.
 */

import { MemoryImage, OS_PAGE_BYTES } from "./memory-image.ts";
import { locateMemory, residentPages } from "./resident-pages.ts";
import { WASM_PAGE_BYTES, type MemoryLimits } from "../wasm/binary.ts";

/** The initial memory the default pool size may keep idle. */
export const POOL_BYTES = 64 * 1024 * 1024;
/** The most idle memories a default-sized pool keeps. */
export const POOL_MAX_DEFAULT = 64;

/** Where an acquired memory came from. */
export type AcquireSource = "pool" | "fresh";
/**
 * Why a memory was not kept: it `grew`, its process ended `unclean` (any exit but normal or
 * disconnected: process/process.ts `release`), the pool was `full`, or the pool shrank while
 * `idle`.
 */
export type DiscardReason = "grew" | "unclean" | "full" | "idle";

/** Sees what a pool does (the metrics, wired by the server). */
export interface PoolObserver {
  acquired(source: AcquireSource): void;
  discarded(reason: DiscardReason): void;
}

/**
 * The default pool size: as many memories as fit in {@link POOL_BYTES}, from 1 to 64.
 * `idleBytes`: what one idle memory holds resident (a memory's pages never touched cost nothing).
 */
export function defaultPoolSize(idleBytes: number): number {
  const fit = Math.floor(POOL_BYTES / Math.max(idleBytes, 1));
  return Math.min(POOL_MAX_DEFAULT, Math.max(1, fit));
}

/**
 * What an idle memory holds resident: the image's non-zero pages, which a memory holding the
 * image must have, and which a restore keeps (it writes back only pages that differ: pages a
 * process touched that are zero in the image stay resident too, few for the guests measured:
 * a parked StarlingMonkey live tail's pooled memory holds 5,628 KiB for an image of 5,612).
 * Without an image (a module whose segments were not captured) nothing says which pages its
 * processes touch: the whole initial memory is counted.
 */
function idleBytes(image: MemoryImage, given: Uint8Array | null | undefined): number {
  if (given === null || given === undefined) return image.byteLength;
  return Math.max(image.nonZeroPages * OS_PAGE_BYTES, OS_PAGE_BYTES);
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
  readonly #image: MemoryImage;
  readonly #size: number;
  readonly #observer: PoolObserver | undefined;
  readonly #idle: WebAssembly.Memory[] = [];
  /** Where each memory the pool restored lives (resident-pages.ts); null: not found. */
  readonly #addresses = new WeakMap<WebAssembly.Memory, number | null>();
  #acquiredSinceShrink = false;
  #retired = false;

  constructor(limits: MemoryLimits, options: MemoryPoolOptions = {}) {
    const initial = Number(limits.initialPages);
    this.#descriptor =
      limits.maximumPages === undefined
        ? { initial }
        : { initial, maximum: Number(limits.maximumPages) };
    this.#initialBytes = initial * WASM_PAGE_BYTES;
    this.#image = new MemoryImage(this.#initialBytes, options.image ?? null);
    this.#size = options.size ?? defaultPoolSize(idleBytes(this.#image, options.image));
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
    // A new memory is zeroed: only the image's non-zero pages are written (and faulted in).
    this.#image.fill(memory);
    this.#observer?.acquired("fresh");
    return memory;
  }

  /**
   * Takes a memory back once its process has ended. `clean`: the process ended normally (or its
   * client went away), so nothing it left behind matters once the image is restored.
   */
  release(memory: WebAssembly.Memory, clean: boolean): void {
    // A retired pool's component was replaced (`rusm dev`): its memories are not kept.
    if (this.#retired) return;
    if (!clean) return this.#discard("unclean");
    if (memory.buffer.byteLength !== this.#initialBytes) return this.#discard("grew");
    if (this.#idle.length >= this.#size) return this.#discard("full");
    // Invariant: the process that used it has ended, so no instance can touch it any more.
    this.#image.restore(memory, this.#resident(memory));
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

  /**
   * Drops every idle memory and every one released later: its component was replaced by a new
   * version (`rusm dev`), whose own pools never see these memories.
   */
  retire(): void {
    this.#retired = true;
    this.clear();
  }

  /** The pages of `memory` the kernel holds (all, as far as the restore knows, when unknown). */
  #resident(memory: WebAssembly.Memory): Uint8Array | null {
    let address = this.#addresses.get(memory);
    if (address === undefined) {
      address = locateMemory(memory);
      this.#addresses.set(memory, address);
    }
    return address === null ? null : residentPages(address, this.#initialBytes);
  }

  #discard(reason: DiscardReason): void {
    // Dropped for the GC: nothing else refers to the memory once its instance is gone.
    this.#observer?.discarded(reason);
  }
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

  /** Retires `pool` (see {@link MemoryPool.retire}) and forgets it (idle timer, metrics). */
  remove(pool: MemoryPool): void {
    pool.retire();
    const i = this.#pools.findIndex((p) => p.pool === pool);
    if (i >= 0) this.#pools.splice(i, 1);
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
