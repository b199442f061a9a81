/**
 * @module component/memory-image
 * A core module's initial memory image, and the two ways a linear memory comes to hold it
 * while touching as few OS pages as it can: {@link MemoryImage.fill} a new memory (zeroed by
 * the OS), {@link MemoryImage.restore} a used one.
 *
 * Why pages matter: an OS page of a new memory costs nothing until it is first touched, and then
 * it costs a page fault (measured on the reference VM: ~12 µs per 4 KiB page, in C as in JS)
 * and 4 KiB of RSS for as long as the memory lives. Writing zeros into a page of a new memory
 * touches it for nothing. StarlingMonkey's image is 10.5 MB, of which 1,402 pages (5.5 MiB)
 * hold a non-zero byte: filling only those saves ~900 page faults and ~3.6 MiB of RSS per
 * memory over writing the image's whole non-zero span.
 *
 * A used memory is restored by comparison: each 64 KiB block that differs from the image is
 * compared page by page, and only the pages that differ are written back. Pages the kernel
 * does not hold are skipped when the caller knows them (resident-pages.ts): on the reference VM
 * even reading an untouched page faults it in. So a restored memory holds the image's non-zero
 * pages plus the pages some process touched, never pages nobody used. Whatever a process wrote,
 * the memory afterwards holds exactly the image, byte for byte.
 */

/** The OS page, the unit the kernel maps, faults in and counts in RSS. */
export const OS_PAGE_BYTES = 4096;
/** The unit compared before pages: a wasm page, 16 OS pages. */
const BLOCK_BYTES = 65_536;

/** A memory's initial contents, and where its non-zero pages are. */
export class MemoryImage {
  /** Bytes of the initial memory. */
  readonly byteLength: number;
  /** The image, zeros included (all zeros when the module gave none). */
  readonly #image: Buffer;
  /** Runs of OS pages that hold a non-zero byte: [start, end) byte offsets, in order. */
  readonly #runs: ReadonlyArray<readonly [number, number]>;
  /** Per OS page: whether the image has a non-zero byte there. */
  readonly #pageNonZero: Uint8Array;

  /**
   * `image`: the memory's whole initial contents (`byteLength` bytes), or null for all zeros.
   * `byteLength` must be a whole number of 64 KiB pages (a wasm memory's size always is).
   */
  constructor(byteLength: number, image: Uint8Array | null) {
    if (byteLength % BLOCK_BYTES !== 0) {
      throw new RangeError(`a memory of ${byteLength} bytes is not whole 64 KiB pages`);
    }
    if (image !== null && image.length !== byteLength) {
      throw new RangeError(`memory image of ${image.length} bytes for a memory of ${byteLength}`);
    }
    this.byteLength = byteLength;
    this.#image =
      image === null
        ? Buffer.alloc(byteLength)
        : Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    this.#pageNonZero = new Uint8Array(byteLength / OS_PAGE_BYTES);
    const zeros = Buffer.alloc(OS_PAGE_BYTES);
    const runs: Array<[number, number]> = [];
    for (let at = 0; image !== null && at < byteLength; at += OS_PAGE_BYTES) {
      if (this.#image.compare(zeros, 0, OS_PAGE_BYTES, at, at + OS_PAGE_BYTES) === 0) continue;
      this.#pageNonZero[at / OS_PAGE_BYTES] = 1;
      const last = runs.at(-1);
      if (last !== undefined && last[1] === at) last[1] += OS_PAGE_BYTES;
      else runs.push([at, at + OS_PAGE_BYTES]);
    }
    this.#runs = runs;
  }

  /** OS pages of the image that hold a non-zero byte: what any memory holding it has resident. */
  get nonZeroPages(): number {
    return this.#runs.reduce((sum, [from, to]) => sum + (to - from) / OS_PAGE_BYTES, 0);
  }

  /**
   * Writes the image into `memory`, a new memory (all zeros, as the OS hands it out): only the
   * pages that hold a non-zero byte, so the others are never touched.
   */
  fill(memory: WebAssembly.Memory): void {
    const view = new Uint8Array(memory.buffer);
    for (const [from, to] of this.#runs) view.set(this.#image.subarray(from, to), from);
  }

  /**
   * Makes `memory` (at least {@link byteLength} bytes, used by a process that has ended) hold
   * the image again: compares it with the image and writes back only the OS pages that differ.
   * `resident` (per OS page, resident-pages.ts): the pages the kernel holds; the others were
   * never touched, hold zeros, and are neither read nor written. Null: every page is looked at.
   * Returns how many pages it wrote.
   */
  restore(memory: WebAssembly.Memory, resident: Uint8Array | null = null): number {
    const view = Buffer.from(memory.buffer, 0, this.byteLength);
    const pages = this.byteLength / OS_PAGE_BYTES;
    // A page the kernel does not hold was never touched: it reads as zeros. (An image page is
    // held once written; should it not be, it is compared and written like any other.)
    const look = (page: number): boolean =>
      resident === null || resident[page] === 1 || this.#pageNonZero[page] === 1;
    let written = 0;
    for (let page = 0; page < pages;) {
      if (!look(page)) {
        page++;
        continue;
      }
      let end = page + 1;
      while (end < pages && look(end)) end++;
      written += this.#repair(view, page * OS_PAGE_BYTES, end * OS_PAGE_BYTES);
      page = end;
    }
    return written;
  }

  /**
   * Writes back the pages of `view[from, to)` that differ from the image: one comparison for
   * the whole range when nothing changed (most of it), then by 64 KiB block, then by page.
   */
  #repair(view: Buffer, from: number, to: number): number {
    if (this.#same(view, from, to)) return 0;
    let written = 0;
    for (let block = from; block < to;) {
      const blockEnd = Math.min(to, block - (block % BLOCK_BYTES) + BLOCK_BYTES);
      if (!this.#same(view, block, blockEnd)) {
        for (let page = block; page < blockEnd; page += OS_PAGE_BYTES) {
          if (this.#same(view, page, page + OS_PAGE_BYTES)) continue;
          view.set(this.#image.subarray(page, page + OS_PAGE_BYTES), page);
          written++;
        }
      }
      block = blockEnd;
    }
    return written;
  }

  #same(view: Buffer, from: number, to: number): boolean {
    return view.compare(this.#image, from, to, from, to) === 0;
  }
}
