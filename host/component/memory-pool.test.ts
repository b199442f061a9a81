import { afterEach, describe, expect, it, vi } from "vitest";
import {
  MemoryPool,
  MemoryPools,
  POOL_BYTES,
  defaultPoolSize,
  type AcquireSource,
  type DiscardReason,
  type PoolObserver,
} from "./memory-pool.ts";

const PAGE = 65536;
const limits = { initialPages: 2n, maximumPages: 8n, shared: false, memory64: false };

/** A two-page image: a marker at 16, one at the very end. */
function image(): Uint8Array {
  const bytes = new Uint8Array(2 * PAGE);
  bytes.set(Buffer.from("fresh"), 16);
  bytes[2 * PAGE - 1] = 0xee;
  return bytes;
}

/** An observer that records what it sees. */
function recorder(): PoolObserver & { acquired_: AcquireSource[]; discarded_: DiscardReason[] } {
  const acquired_: AcquireSource[] = [];
  const discarded_: DiscardReason[] = [];
  return {
    acquired_,
    discarded_,
    acquired: (source) => acquired_.push(source),
    discarded: (reason) => discarded_.push(reason),
  };
}

const view = (memory: WebAssembly.Memory): Uint8Array => new Uint8Array(memory.buffer);

describe("MemoryPool", () => {
  it("hands out fresh memories holding the image, with the module's size and cap", () => {
    const pool = new MemoryPool(limits, { image: image() });
    const memory = pool.acquire();
    expect(view(memory)).toEqual(image());
    expect(() => memory.grow(7)).toThrow(RangeError);
  });

  it("restores the image in a memory its process dirtied, and hands that memory on", () => {
    const observer = recorder();
    const pool = new MemoryPool(limits, { image: image(), observer });
    const memory = pool.acquire();
    view(memory).fill(7);
    pool.release(memory, true);
    expect(pool.idle).toBe(1);
    const again = pool.acquire();
    expect(again).toBe(memory);
    expect(view(again)).toEqual(image());
    expect(observer.acquired_).toEqual(["fresh", "pool"]);
  });

  it("without an image, hands back a released memory zeroed", () => {
    const pool = new MemoryPool(limits);
    const memory = pool.acquire();
    view(memory).fill(7);
    pool.release(memory, true);
    const again = pool.acquire();
    expect(again).toBe(memory);
    expect(view(again).every((b) => b === 0)).toBe(true);
  });

  it("rejects an image that is not the memory's initial size", () => {
    expect(() => new MemoryPool(limits, { image: new Uint8Array(PAGE) })).toThrow(RangeError);
  });

  it("discards a memory that grew, or whose process did not end cleanly", () => {
    const observer = recorder();
    const pool = new MemoryPool(limits, { image: image(), observer });
    const grown = pool.acquire();
    grown.grow(1);
    pool.release(grown, true);
    const trapped = pool.acquire();
    view(trapped).fill(7);
    pool.release(trapped, false);
    expect(pool.idle).toBe(0);
    expect(observer.discarded_).toEqual(["grew", "unclean"]);
    const next = pool.acquire();
    expect(next).not.toBe(grown);
    expect(next).not.toBe(trapped);
    expect(view(next)).toEqual(image());
  });

  it("keeps at most `size` idle memories", () => {
    const observer = recorder();
    const pool = new MemoryPool(limits, { size: 2, observer });
    const taken = [pool.acquire(), pool.acquire(), pool.acquire()];
    for (const memory of taken) pool.release(memory, true);
    expect(pool.idle).toBe(2);
    expect(observer.discarded_).toEqual(["full"]);
  });

  it("with size 0 keeps nothing: every process gets a new memory, still capped", () => {
    const observer = recorder();
    const pool = new MemoryPool(limits, { size: 0, image: image(), observer });
    const first = pool.acquire();
    pool.release(first, true);
    const second = pool.acquire();
    expect(second).not.toBe(first);
    expect(view(second)).toEqual(image());
    expect(() => second.grow(7)).toThrow(RangeError);
    expect(pool.idle).toBe(0);
    expect(observer.acquired_).toEqual(["fresh", "fresh"]);
    expect(observer.discarded_).toEqual(["full"]);
  });

  it("sizes itself by default to fit 64 MiB of what idle memories hold, 1 to 64 memories", () => {
    expect(defaultPoolSize(3 * PAGE)).toBe(64); // a small WAT guest
    expect(defaultPoolSize(1_403 * 4096)).toBe(11); // StarlingMonkey's image: 1,403 non-zero pages
    expect(defaultPoolSize(POOL_BYTES * 2)).toBe(1);
    expect(defaultPoolSize(0)).toBe(64);
    // No image: the whole initial memory counts.
    const big = { ...limits, initialPages: BigInt(POOL_BYTES / PAGE / 2), maximumPages: undefined };
    expect(new MemoryPool(big).size).toBe(2);
    // An image: its non-zero pages count (here one 4 KiB page of a 32 MiB memory).
    const sparse = new Uint8Array(POOL_BYTES / 2);
    sparse[5] = 1;
    expect(new MemoryPool(big, { image: sparse }).size).toBe(64);
  });

  it("halves its idle memories for each idle period without an acquire, down to none", () => {
    const observer = recorder();
    const pool = new MemoryPool(limits, { size: 8, observer });
    const taken = Array.from({ length: 5 }, () => pool.acquire());
    for (const memory of taken) pool.release(memory, true);
    pool.shrinkIfIdle(); // acquires came during this period: nothing goes
    expect(pool.idle).toBe(5);
    const idleCounts = [];
    for (let i = 0; i < 4; i++) {
      pool.shrinkIfIdle();
      idleCounts.push(pool.idle);
    }
    expect(idleCounts).toEqual([2, 1, 0, 0]);
    expect(observer.discarded_).toEqual(Array.from({ length: 5 }, () => "idle"));
    pool.release(pool.acquire(), true);
    pool.shrinkIfIdle();
    expect(pool.idle).toBe(1);
  });
});

describe("MemoryPools", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shrinks idle pools on one timer, counts idle memories by component, stops on close", () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const pools = new MemoryPools({
      idleSeconds: 30,
      observer: (component) => ({
        acquired: (source) => seen.push(`${component} ${source}`),
        discarded: (reason) => seen.push(`${component} ${reason}`),
      }),
    });
    const a = pools.create("a", limits, { size: 4 });
    const b = pools.create("b", limits, { size: 4 });
    const taken = [a.acquire(), a.acquire(), a.acquire(), a.acquire()];
    for (const memory of taken) a.release(memory, true);
    b.release(b.acquire(), true);
    expect(pools.idleByComponent()).toEqual(
      new Map([
        ["a", 4],
        ["b", 1],
      ]),
    );

    vi.advanceTimersByTime(30_000); // both pools served acquires in this period
    expect(pools.idleByComponent()).toEqual(
      new Map([
        ["a", 4],
        ["b", 1],
      ]),
    );
    b.release(b.acquire(), true); // b stays busy
    vi.advanceTimersByTime(30_000);
    expect(pools.idleByComponent()).toEqual(
      new Map([
        ["a", 2],
        ["b", 1],
      ]),
    );
    vi.advanceTimersByTime(30_000);
    expect(pools.idleByComponent()).toEqual(
      new Map([
        ["a", 1],
        ["b", 0],
      ]),
    );
    expect(seen.filter((e) => e.endsWith("idle"))).toEqual([
      "a idle",
      "a idle",
      "a idle",
      "b idle",
    ]);

    pools.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(pools.idleByComponent()).toEqual(
      new Map([
        ["a", 0],
        ["b", 0],
      ]),
    );
  });
});

describe("a retired pool (its component replaced by rusm dev)", () => {
  it("drops its idle memories and every one released later", () => {
    const pools = new MemoryPools({ idleSeconds: 30 });
    const old = pools.create("app", limits, { image: image() });
    const kept = old.acquire();
    const running = old.acquire();
    old.release(kept, true);
    expect(old.idle).toBe(1);
    expect(pools.idleByComponent().get("app")).toBe(1);

    pools.remove(old);
    expect(old.idle).toBe(0);
    // A process of the old version ends after the swap: its memory is not kept.
    old.release(running, true);
    expect(old.idle).toBe(0);

    // The new version's pool never sees the old one's memories.
    const next = pools.create("app", limits, { image: image() });
    const memory = next.acquire();
    expect(memory).not.toBe(kept);
    expect(memory).not.toBe(running);
    next.release(memory, true);
    expect(pools.idleByComponent().get("app")).toBe(1);
    pools.close();
  });
});
