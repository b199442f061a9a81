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
 * Every live memory of the same module is such a mapping, so the search is bounded: past
 * {@link LOCATE_MAX_CANDIDATES} of them it gives up (null) rather than read thousands of pages
 * on the event loop after a burst; the memory is then restored as if every page were held.
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

/** The most same-size mappings {@link locateMemory} looks at (one read of /proc/self/mem each). */
export const LOCATE_MAX_CANDIDATES = 64;

/** A /proc file opened once for a few reads; every read false when it cannot be opened. */
class ProcFile {
  readonly #fd: number | null;
  constructor(path: string) {
    this.#fd = tryOpen(path);
  }

  /** Reads `into.length` bytes at `position` into `into`; false when it cannot. */
  read(into: Uint8Array, position: number): boolean {
    if (this.#fd === null) return false;
    try {
      return readSync(this.#fd, into, 0, into.length, position) === into.length;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
  }
}

function tryOpen(path: string): number | null {
  try {
    return openSync(path, "r");
  } catch {
    return null;
  }
}

/**
 * Per OS page of the `bytes` at `address`: 1 when the kernel holds it (present or swapped), 0
 * when it was never touched. Null when the page map cannot be read.
 */
export function residentPages(address: number, bytes: number): Uint8Array | null {
  const pagemap = new ProcFile("/proc/self/pagemap");
  try {
    return residentIn(pagemap, address, bytes);
  } finally {
    pagemap.close();
  }
}

function residentIn(pagemap: ProcFile, address: number, bytes: number): Uint8Array | null {
  const pages = Math.ceil(bytes / OS_PAGE_BYTES);
  const entries = new Uint32Array(pages * 2);
  const bytesView = new Uint8Array(entries.buffer);
  if (!pagemap.read(bytesView, (address / OS_PAGE_BYTES) * 8)) return null;
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
 * The address of `memory`'s bytes, or null when it cannot be found, or when more than
 * {@link LOCATE_MAX_CANDIDATES} mappings have its size. Its first bytes are written and put
 * back as they were; its first page becomes resident.
 */
export function locateMemory(memory: WebAssembly.Memory): number | null {
  const view = new Uint8Array(memory.buffer);
  const candidates = mappingsOfSize(view.length);
  if (candidates.length > LOCATE_MAX_CANDIDATES) return null;
  const saved = view.slice(0, MARKER_BYTES);
  const marker = randomFillSync(new Uint8Array(MARKER_BYTES));
  view.set(marker, 0);
  const pagemap = new ProcFile("/proc/self/pagemap");
  const mem = new ProcFile("/proc/self/mem");
  try {
    const seen = new Uint8Array(MARKER_BYTES);
    for (const start of candidates) {
      // Reading another memory's untouched first page would fault it in: look only at present ones.
      if (residentIn(pagemap, start, OS_PAGE_BYTES)?.[0] !== 1) continue;
      if (mem.read(seen, start) && seen.every((b, i) => b === marker[i])) return start;
    }
    return null;
  } finally {
    pagemap.close();
    mem.close();
    view.set(saved, 0);
  }
}
