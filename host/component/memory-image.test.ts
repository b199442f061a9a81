import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MemoryImage, OS_PAGE_BYTES } from "./memory-image.ts";
import { LOCATE_MAX_CANDIDATES, locateMemory, residentPages } from "./resident-pages.ts";

const WASM_PAGE = 65_536;

/** An image of `pages` wasm pages with a few non-zero OS pages (and the very last byte). */
function sparseImage(pages: number): Uint8Array {
  const image = new Uint8Array(pages * WASM_PAGE);
  image.set(Buffer.from("header"), 3 * OS_PAGE_BYTES + 10);
  image.fill(0x5a, 40 * OS_PAGE_BYTES, 43 * OS_PAGE_BYTES);
  image[image.length - 1] = 0xee;
  return image;
}

const view = (memory: WebAssembly.Memory): Uint8Array => new Uint8Array(memory.buffer);

/** Resident KiB of the one mapping of exactly `bytes` bytes (the kernel's own count). */
function mappingRssKiB(bytes: number): number {
  const smaps = readFileSync("/proc/self/smaps", "utf8");
  const found: number[] = [];
  for (const block of smaps.split(/\n(?=[0-9a-f]+-)/)) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(block);
    if (m !== null && parseInt(m[2]!, 16) - parseInt(m[1]!, 16) === bytes) {
      found.push(Number(/^Rss:\s+(\d+)/m.exec(block)?.[1]));
    }
  }
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("MemoryImage", () => {
  it("fills a new memory with the image", () => {
    const image = sparseImage(3);
    const memory = new WebAssembly.Memory({ initial: 3 });
    const mapped = new MemoryImage(image.length, image);
    mapped.fill(memory);
    expect(view(memory)).toEqual(image);
    expect(mapped.nonZeroPages).toBe(1 + 3 + 1);
  });

  it("restores every byte a process changed, writing only the pages that differ", () => {
    const image = sparseImage(3);
    const mapped = new MemoryImage(image.length, image);
    const memory = new WebAssembly.Memory({ initial: 3 });
    mapped.fill(memory);
    const bytes = view(memory);
    bytes[0] = 1; // a zero page
    bytes[3 * OS_PAGE_BYTES + 10] = 0; // an image byte cleared
    bytes.fill(7, 41 * OS_PAGE_BYTES + 5, 42 * OS_PAGE_BYTES + 9); // across two image pages
    bytes[bytes.length - 1] = 0;
    expect(mapped.restore(memory)).toBe(5);
    expect(view(memory)).toEqual(image);
    expect(mapped.restore(memory)).toBe(0);
  });

  it("restores to zeros without an image (or an all-zero one)", () => {
    for (const image of [null, new Uint8Array(WASM_PAGE)]) {
      const mapped = new MemoryImage(WASM_PAGE, image);
      const memory = new WebAssembly.Memory({ initial: 1 });
      mapped.fill(memory);
      view(memory).fill(9, 100, 5000);
      expect(mapped.restore(memory)).toBe(2);
      expect(view(memory).every((b) => b === 0)).toBe(true);
    }
  });

  it("skips the pages a resident map says were never touched, but never an image page", () => {
    const image = sparseImage(1);
    const mapped = new MemoryImage(image.length, image);
    const memory = new WebAssembly.Memory({ initial: 1 });
    view(memory).set(image);
    view(memory)[12 * OS_PAGE_BYTES] = 1; // touched, and said so below
    view(memory).fill(0, 3 * OS_PAGE_BYTES, 4 * OS_PAGE_BYTES); // an image page, said untouched
    const resident = new Uint8Array(16);
    resident[12] = 1;
    expect(mapped.restore(memory, resident)).toBe(2);
    expect(view(memory)).toEqual(image);
  });

  it("rejects an image of another size, and a size that is not whole wasm pages", () => {
    expect(() => new MemoryImage(WASM_PAGE, new Uint8Array(10))).toThrow(RangeError);
    expect(() => new MemoryImage(1000, null)).toThrow(RangeError);
  });
});

describe("MemoryImage and the kernel's pages (Linux /proc)", () => {
  // Sizes no other memory of this test process has, so that each mapping is found alone.
  it("a new memory holds only the image's non-zero pages", () => {
    const image = sparseImage(37);
    const memory = new WebAssembly.Memory({ initial: 37 });
    new MemoryImage(image.length, image).fill(memory);
    expect(mappingRssKiB(image.length)).toBe(5 * 4);
  });

  it("finds a memory's pages, and a restore touches no page nobody touched", () => {
    const image = sparseImage(41);
    const mapped = new MemoryImage(image.length, image);
    const memory = new WebAssembly.Memory({ initial: 41 });
    mapped.fill(memory);
    view(memory)[100 * OS_PAGE_BYTES] = 3; // a process writes one zero page
    const address = locateMemory(memory);
    expect(address).not.toBeNull();
    const resident = residentPages(address!, image.length)!;
    // The image's 5, the one written, the first (where the marker went, put back since).
    expect(resident.reduce((a, b) => a + b, 0)).toBe(5 + 1 + 1);
    expect(mapped.restore(memory, resident)).toBe(1);
    expect(mappingRssKiB(image.length)).toBe(7 * 4);
    // Last: comparing the whole memory here reads (and so faults in) every page.
    expect(view(memory)).toEqual(image);
  });

  it("gives up finding a memory among more same-size memories than it may read (a burst)", () => {
    const size = 43; // wasm pages: no other test's memories share it
    const memories = Array.from(
      { length: LOCATE_MAX_CANDIDATES + 1 },
      () => new WebAssembly.Memory({ initial: size }),
    );
    for (const m of memories) view(m)[0] = 1; // present: each one a candidate worth reading
    expect(locateMemory(memories[0]!)).toBeNull();
  });
});
