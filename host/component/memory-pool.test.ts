import { describe, expect, it } from "vitest";
import { MemoryPool, POOL_BYTES } from "./memory-pool.ts";

const limits = { initialPages: 2n, maximumPages: 8n, shared: false, memory64: false };

describe("MemoryPool", () => {
  it("hands back a released memory zeroed, with the module's size and cap", () => {
    const pool = new MemoryPool(limits);
    const memory = pool.acquire();
    expect(memory.buffer.byteLength).toBe(2 * 65536);
    new Uint8Array(memory.buffer).fill(7);
    pool.release(memory, true);
    const again = pool.acquire();
    expect(again).toBe(memory);
    expect(new Uint8Array(again.buffer).every((b) => b === 0)).toBe(true);
    expect(() => again.grow(7)).toThrow(RangeError);
  });

  it("drops memories that grew, or whose process did not end cleanly", () => {
    const pool = new MemoryPool(limits);
    const grown = pool.acquire();
    grown.grow(1);
    pool.release(grown, true);
    const trapped = pool.acquire();
    pool.release(trapped, false);
    expect(pool.idle).toBe(0);
  });

  it("keeps at most POOL_BYTES of idle memory", () => {
    const big = {
      ...limits,
      initialPages: BigInt(POOL_BYTES / 65536 / 2),
      maximumPages: undefined,
    };
    const pool = new MemoryPool(big);
    const taken = [pool.acquire(), pool.acquire(), pool.acquire()];
    for (const memory of taken) pool.release(memory, true);
    expect(pool.idle).toBe(2);
  });
});
