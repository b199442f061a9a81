/**
 * @module component/wasm-binary
 * The two things rusm reads or changes in wasm binaries itself: what kind of binary a file is
 * (its 8-byte header), and the limits of the memories a core module defines (its memory section).
 *
 * Capping memory rewrites only the memory section and copies every other section byte for byte,
 * so it runs in milliseconds even on StarlingMonkey's 14 MB module and cannot disturb code it
 * does not understand. (binaryen could do it too, but re-encodes the whole module: seconds.)
 */

export const WASM_PAGE_BYTES = 65_536;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SECTION_MEMORY = 5;

/** What an 8-byte wasm header says the binary is. */
export type BinaryKind = "component" | "core-module" | "not-wasm";

/** Reads the header: `\0asm`, then version 1 (core module) or the component layer. */
export function binaryKind(bytes: Uint8Array): BinaryKind {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) return "not-wasm";
  // Core modules: version 1, layer 0. Components: version 0x0d (pre-1.0), layer 1.
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return "core-module";
  if (bytes[6] === 1 && bytes[7] === 0) return "component";
  return "not-wasm";
}

class Reader {
  offset: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.offset = offset;
  }

  byte(): number {
    const b = this.bytes[this.offset++];
    if (b === undefined) throw new RangeError("unexpected end of wasm binary");
    return b;
  }

  /** An unsigned LEB128 of up to 64 bits, as a bigint. */
  leb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new RangeError("LEB128 too long");
    }
  }

  u32(): number {
    return Number(this.leb());
  }
}

function leb(value: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(value & 0x7fn);
    value >>= 7n;
    if (value !== 0n) b |= 0x80;
    out.push(b);
  } while (value !== 0n);
  return out;
}

/** One memory a module defines, in 64 KiB pages. */
export interface MemoryLimits {
  initialPages: bigint;
  maximumPages: bigint | undefined;
  shared: boolean;
  memory64: boolean;
}

/** The result of capping a module's memories. */
export interface CappedModule {
  bytes: Uint8Array;
  /** The memories the module defines, after capping. Empty when it defines none. */
  memories: MemoryLimits[];
}

function readLimits(r: Reader): MemoryLimits {
  const flags = r.byte();
  if (flags > 0x07) throw new RangeError(`unsupported memory limits flags 0x${flags.toString(16)}`);
  const initialPages = r.leb();
  const maximumPages = flags & 0x01 ? r.leb() : undefined;
  return {
    initialPages,
    maximumPages,
    shared: (flags & 0x02) !== 0,
    memory64: (flags & 0x04) !== 0,
  };
}

function writeLimits(m: MemoryLimits): number[] {
  const flags =
    (m.maximumPages !== undefined ? 0x01 : 0) | (m.shared ? 0x02 : 0) | (m.memory64 ? 0x04 : 0);
  return [
    flags,
    ...leb(m.initialPages),
    ...(m.maximumPages !== undefined ? leb(m.maximumPages) : []),
  ];
}

/**
 * Caps every memory a core module defines at `maxPages`: a `memory.grow` past it returns -1.
 * Memories already capped lower keep their cap. Throws a RangeError when a memory's initial size
 * is already above the cap (the module could never start).
 */
export function capMemories(module: Uint8Array, maxPages: number): CappedModule {
  const r = new Reader(module, 8);
  const cap = BigInt(maxPages);
  while (r.offset < module.length) {
    const sectionStart = r.offset;
    const id = r.byte();
    const size = r.u32();
    const bodyStart = r.offset;
    const bodyEnd = bodyStart + size;
    if (id !== SECTION_MEMORY) {
      r.offset = bodyEnd;
      continue;
    }
    const count = r.u32();
    const memories: MemoryLimits[] = [];
    for (let i = 0; i < count; i++) {
      const m = readLimits(r);
      if (m.initialPages > cap) {
        throw new RangeError(
          `memory ${i} starts at ${m.initialPages} pages (${pagesToMiB(m.initialPages)} MiB), above the cap of ${maxPages} pages (${pagesToMiB(cap)} MiB)`,
        );
      }
      if (m.maximumPages === undefined || m.maximumPages > cap) m.maximumPages = cap;
      memories.push(m);
    }
    const body = [...leb(BigInt(count)), ...memories.flatMap(writeLimits)];
    const section = Uint8Array.from([SECTION_MEMORY, ...leb(BigInt(body.length)), ...body]);
    const out = new Uint8Array(module.length - (bodyEnd - sectionStart) + section.length);
    out.set(module.subarray(0, sectionStart), 0);
    out.set(section, sectionStart);
    out.set(module.subarray(bodyEnd), sectionStart + section.length);
    return { bytes: out, memories };
  }
  return { bytes: module, memories: [] };
}

function pagesToMiB(pages: bigint): string {
  return (Number(pages) / 16).toFixed(1);
}
