/**
 * @module component/resident-pages
 * Which OS pages of a linear memory the kernel holds, read from Linux's `/proc/self/pagemap`,
 * so that restoring a used memory (memory-image.ts) looks only at pages some process touched.
 *
 * Why not simply read every page: on the reference VM reading a page never touched faults it
 * in like a write does (its kernel maps no shared zero page; a C loop reading a fresh mapping
 * grows RSS by every page it reads), so comparing a whole memory with its image would make all
 * of it resident. A page the kernel does not hold (not present, not swapped) of a private
 * anonymous mapping reads as zeros: it was never touched.
 *
 * JavaScript does not know where a memory lives, so {@link locateMemory} finds its mapping
 * once: it writes a random marker into the memory's first page, then looks among the mappings
 * of exactly the memory's size, skipping those whose first page is not present (reading it
 * would fault it in), for the one whose first bytes are the marker, and restores the page.
 *
 * Everything here may fail (no `/proc`, a kernel that hides it): callers then treat every page
 * as touched.
 */
import { randomFillSync } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { OS_PAGE_BYTES } from "./memory-image.ts";

/** In the high 32 bits of a page map entry: bit 63 (present) and bit 62 (swapped). */
const HELD = 0xc000_0000;
const MARKER_BYTES = 8;

/** Reads `length` bytes at `position` of a /proc file into `into`; false when it cannot. */
function pread(path: string, into: Uint8Array, position: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    return readSync(fd, into, 0, into.length, position) === into.length;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Per OS page of the `bytes` at `address`: 1 when the kernel holds it (present or swapped), 0
 * when it was never touched. Null when the page map cannot be read.
 */
export function residentPages(address: number, bytes: number): Uint8Array | null {
  const pages = Math.ceil(bytes / OS_PAGE_BYTES);
  const entries = new Uint32Array(pages * 2);
  const bytesView = new Uint8Array(entries.buffer);
  if (!pread("/proc/self/pagemap", bytesView, (address / OS_PAGE_BYTES) * 8)) return null;
  const resident = new Uint8Array(pages);
  // Little-endian (x64): an entry's high 32 bits are its second word.
  for (let p = 0; p < pages; p++) if ((entries[p * 2 + 1]! & HELD) !== 0) resident[p] = 1;
  return resident;
}

/** Start addresses of the private read-write mappings of exactly `bytes` bytes. */
function mappingsOfSize(bytes: number): number[] {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "latin1");
  } catch {
    return [];
  }
  const starts: number[] = [];
  for (const m of maps.matchAll(/^([0-9a-f]+)-([0-9a-f]+) rw-p /gm)) {
    const [from, to] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
    if (to - from === bytes) starts.push(from);
  }
  return starts;
}

/**
 * The address of `memory`'s bytes, or null when it cannot be found. Its first bytes are
 * written and put back as they were; its first page becomes resident.
 */
export function locateMemory(memory: WebAssembly.Memory): number | null {
  const view = new Uint8Array(memory.buffer);
  const saved = view.slice(0, MARKER_BYTES);
  const marker = randomFillSync(new Uint8Array(MARKER_BYTES));
  view.set(marker, 0);
  try {
    const seen = new Uint8Array(MARKER_BYTES);
    for (const start of mappingsOfSize(view.length)) {
      // Reading another memory's untouched first page would fault it in: look only at present ones.
      if (residentPages(start, OS_PAGE_BYTES)?.[0] !== 1) continue;
      if (pread("/proc/self/mem", seen, start) && seen.every((b, i) => b === marker[i])) {
        return start;
      }
    }
    return null;
  } finally {
    view.set(saved, 0);
  }
}
