/**
 * @module wasm/binary
 * The few things rusm reads or changes in wasm binaries itself: what kind of binary a file is
 * (its 8-byte header), the limits of the memories a core module defines (its memory section),
 * turning a module's own memory into an import, so that the host can hand it a reused one, and
 * making its data segments passive, so that the host writes the memory's initial image itself.
 *
 * The rewrites touch only the import, memory and data sections and copy every other section
 * byte for byte, so they run in milliseconds even on StarlingMonkey's 14 MB module and cannot
 * disturb code they do not understand. (binaryen could do it too, but re-encodes the whole
 * module: seconds.)
 */

import { leb, Reader } from "./bytes.ts";

export const WASM_PAGE_BYTES = 65_536;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;

/** Where the host's pooled memory is imported from, in a module {@link importMemory} rewrote. */
export const POOLED_MEMORY_IMPORT = { module: "rusm", name: "memory" } as const;

/**
 * A memory whose initial size is above the cap (the operator's `max-memory-mb`), as opposed to
 * the RangeErrors of a binary these readers cannot read (a damaged module).
 */
export class MemoryCapError extends RangeError {
  override readonly name = "MemoryCapError";
}

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
 * Memories already capped lower keep their cap. Throws a {@link MemoryCapError} when a memory's
 * initial size is already above the cap (the module could never start), and a RangeError when
 * the module cannot be read (truncated, a LEB128 too long).
 */
export function capMemories(module: Uint8Array, maxPages: number): CappedModule {
  const r = new Reader(module, 8);
  const cap = BigInt(maxPages);
  while (r.pos < module.length) {
    const sectionStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    const bodyStart = r.pos;
    const bodyEnd = bodyStart + size;
    if (id !== SECTION_MEMORY) {
      r.pos = bodyEnd;
      continue;
    }
    const count = r.u32();
    const memories: MemoryLimits[] = [];
    for (let i = 0; i < count; i++) {
      const m = readLimits(r);
      if (m.initialPages > cap) {
        throw new MemoryCapError(
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

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  bodyStart: number;
  end: number;
}

/** A core module's sections, in order. */
export function sectionsOf(module: Uint8Array): Section[] {
  const r = new Reader(module, 8);
  const out: Section[] = [];
  while (r.pos < module.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    out.push({ id, start, bodyStart: r.pos, end: r.pos + size });
    r.pos += size;
  }
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(BigInt(body.length)), ...body];
}

/** A section's bytes: its id, its body's length, its body (not copied into an array first). */
export function sectionBytes(id: number, body: Uint8Array | number[]): Uint8Array {
  const bytes = body instanceof Uint8Array ? body : Uint8Array.from(body);
  return new Uint8Array(Buffer.concat([Uint8Array.of(id, ...leb(BigInt(bytes.length))), bytes]));
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, "utf8")];
  return [...leb(BigInt(bytes.length)), ...bytes];
}

/** Counts the memory imports of an import section, or returns null on an encoding it can't skip. */
function countMemoryImports(r: Reader, end: number): { count: number; memories: number } | null {
  const count = r.u32();
  let memories = 0;
  for (let i = 0; i < count; i++) {
    // (Not `r.pos += r.u32()`: that would read the position before u32() moves it.)
    const moduleLen = r.u32();
    r.pos += moduleLen;
    const fieldLen = r.u32();
    r.pos += fieldLen;
    const kind = r.byte();
    if (kind === 0x00) {
      r.leb(); // function: type index
    } else if (kind === 0x02) {
      readLimits(r);
      memories++;
    } else if (kind === 0x01) {
      const refType = r.byte();
      if (refType !== 0x70 && refType !== 0x6f) return null; // only funcref/externref tables
      readLimits(r);
    } else if (kind === 0x03) {
      const valType = r.byte();
      if (valType < 0x6f || valType > 0x7f || (valType > 0x70 && valType < 0x7b)) return null;
      r.byte(); // mutability
    } else return null; // tags and anything newer: leave the module alone
  }
  return r.pos === end ? { count, memories } : null;
}

/** A module whose one memory is now imported from {@link POOLED_MEMORY_IMPORT}. */
export interface PooledMemoryModule {
  bytes: Uint8Array;
  /** The memory's limits after capping (the host creates memories with exactly these). */
  memory: MemoryLimits;
}

/**
 * Turns the one linear memory a core module defines into an import of
 * {@link POOLED_MEMORY_IMPORT}, capped at `maxPages`, so the host can give each instance a
 * memory it reuses instead of a fresh one. Memory index 0 stays index 0 (imports come first and
 * the module imports no other memory), so code, data segments and exports are unchanged.
 *
 * Returns null when the module does not qualify: it defines no memory or several, already
 * imports one, or its memory is shared or 64-bit. Throws like {@link capMemories}.
 */
export function importMemory(module: Uint8Array, maxPages: number): PooledMemoryModule | null {
  const sections = sectionsOf(module);
  const memorySection = sections.find((s) => s.id === SECTION_MEMORY);
  if (memorySection === undefined) return null;
  const capped = capMemories(module, maxPages);
  const memory = capped.memories[0];
  if (capped.memories.length !== 1 || memory === undefined || memory.shared || memory.memory64) {
    return null;
  }
  const importSection = sections.find((s) => s.id === SECTION_IMPORT);
  let imports = { count: 0, memories: 0 };
  if (importSection !== undefined) {
    const r = new Reader(module, importSection.bodyStart);
    const counted = countMemoryImports(r, importSection.end);
    if (counted === null || counted.memories > 0) return null;
    imports = counted;
  }
  const entry = [
    ...name(POOLED_MEMORY_IMPORT.module),
    ...name(POOLED_MEMORY_IMPORT.name),
    0x02,
    ...writeLimits(memory),
  ];
  const newImportSection = (): Uint8Array =>
    Uint8Array.from(section(SECTION_IMPORT, [1, ...entry]));
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let importWritten = false;
  for (const s of sections) {
    if (s.id === SECTION_IMPORT) {
      // Same entries, one more at the end: function, table and global indices do not move.
      const countLen = leb(BigInt(imports.count)).length;
      const rest = module.subarray(s.bodyStart + countLen, s.end);
      const body = [...leb(BigInt(imports.count + 1)), ...rest, ...entry];
      parts.push(Uint8Array.from(section(SECTION_IMPORT, body)));
      importWritten = true;
    } else if (s.id === SECTION_MEMORY) {
      // The module's only memory became the import: the memory section goes.
      if (!importWritten) parts.push(newImportSection());
      importWritten = true;
    } else {
      // No import section yet: it goes before the first section that must follow it.
      if (!importWritten && s.id > SECTION_IMPORT) {
        parts.push(newImportSection());
        importWritten = true;
      }
      parts.push(module.subarray(s.start, s.end));
    }
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), memory };
}

/** One segment of a data section: where its bytes are, and where it is written if active. */
interface DataSegment {
  /** Offsets of the whole segment in the module. */
  start: number;
  end: number;
  /** Offset of its byte vector (length LEB128, then the bytes). */
  vector: number;
  /** Offset of the bytes themselves. */
  bytes: number;
  /** Where instantiation writes it in memory 0; null for a passive segment. */
  offset: bigint | null;
}

/** Parses `i32.const n end` or `i64.const n end` as an unsigned offset; null for anything else. */
function constOffset(r: Reader): bigint | null {
  const op = r.byte();
  if (op !== 0x41 && op !== 0x42) return null; // global.get, extended-const, ...
  const value = r.sleb();
  if (r.byte() !== 0x0b) return null;
  // The immediate is signed in the encoding; as an address it is unsigned (memory64: 64-bit).
  return BigInt.asUintN(op === 0x41 ? 32 : 64, value);
}

/**
 * The segments of a data section, or null when one is neither passive nor active in memory 0 at a
 * constant offset.
 */
function readDataSegments(r: Reader, end: number): DataSegment[] | null {
  const count = r.u32();
  const segments: DataSegment[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const flags = r.u32();
    let offset: bigint | null = null;
    if (flags === 0x00 || flags === 0x02) {
      if (flags === 0x02 && r.u32() !== 0) return null; // another memory than the pooled one
      offset = constOffset(r);
      if (offset === null) return null;
    } else if (flags !== 0x01) return null;
    const vector = r.pos;
    const length = r.u32();
    const bytes = r.pos;
    r.pos += length;
    if (r.pos > end) return null;
    segments.push({ start, end: r.pos, vector, bytes, offset });
  }
  return r.pos === end ? segments : null;
}

/** A module whose data segments {@link passiveDataSegments} made passive. */
export interface InitialImageModule {
  bytes: Uint8Array;
  /**
   * Memory 0 as instantiating the original module leaves it: `initialPages` × 64 KiB, zeros
   * except where an active data segment was written.
   */
  image: Uint8Array;
  /**
   * The module with no data segments at all (no data section, a data count of 0), when every
   * segment was active: their bytes are all in `image`, and instantiation would drop them.
   * V8 keeps two arrays per instance with an entry for every segment, passive or not (wizer
   * leaves StarlingMonkey 10,000 segments: ~117 KiB per instance). Only a module that never
   * names a segment (`memory.init`, `data.drop`) may run without them: validate it before use.
   * Null when a segment was passive. (A function: the copy is made only when asked for.)
   */
  withoutSegments: (() => Uint8Array) | null;
}

/**
 * Captures the initial image of memory 0 (`initialPages` pages) from a core module's active
 * data segments, and turns each of them into a passive segment, so that instantiation no longer
 * copies them: the host hands the instance a memory that already holds the image (a pooled one,
 * restored). Segment indices and the count do not change, so `memory.init` and `data.drop`
 * immediates and the data-count section stay valid; every other section is copied byte for byte.
 *
 * One difference a program could observe: instantiation drops an active segment (a later
 * `memory.init` of it traps, unless it copies nothing), a passive one stays until `data.drop`.
 * Only a malformed program inits an active segment (toolchains emit `memory.init` for passive
 * segments only), so it would now copy the bytes where it used to trap.
 *
 * Returns null, leaving the module for the host to instantiate as it is (data segments written
 * by instantiation), when an active segment's offset is not an `i32.const` or `i64.const` (e.g.
 * `global.get` of an imported base), when a segment targets another memory or lies outside the
 * initial memory (instantiation then fails as before), or when the section's encoding is one it
 * does not know. A module without data segments gives itself and an all-zero image.
 */
export function passiveDataSegments(
  module: Uint8Array,
  initialPages: number,
): InitialImageModule | null {
  const sections = sectionsOf(module);
  const image = new Uint8Array(initialPages * WASM_PAGE_BYTES);
  const data = sections.find((s) => s.id === SECTION_DATA);
  if (data === undefined) return { bytes: module, image, withoutSegments: null };
  let segments: DataSegment[] | null;
  try {
    segments = readDataSegments(new Reader(module, data.bodyStart), data.end);
  } catch (err) {
    // A truncated section: not ours to report (compiling the module does), so leave it alone.
    if (err instanceof RangeError) return null;
    throw err;
  }
  if (segments === null) return null;
  const size = BigInt(image.length);
  for (const s of segments) {
    if (s.offset === null) continue;
    const length = BigInt(s.end - s.bytes);
    if (s.offset + length > size) return null;
    // In segment order: where two overlap, the later one wins, as at instantiation.
    image.set(module.subarray(s.bytes, s.end), Number(s.offset));
  }
  if (segments.every((s) => s.offset === null)) {
    return { bytes: module, image, withoutSegments: null };
  }
  const withoutSegments = segments.every((s) => s.offset !== null)
    ? () => withoutDataSegments(module, sections)
    : null;

  // The new data section: same count, each active segment as flag 0x01 + its byte vector.
  const countBytes = Uint8Array.from(leb(BigInt(segments.length)));
  const body: Uint8Array[] = [countBytes];
  let bodyLength = countBytes.length;
  for (const s of segments) {
    const part =
      s.offset === null
        ? [module.subarray(s.start, s.end)]
        : [Uint8Array.of(0x01), module.subarray(s.vector, s.end)];
    for (const p of part) {
      body.push(p);
      bodyLength += p.length;
    }
  }
  const parts: Uint8Array[] = [module.subarray(0, data.start)];
  parts.push(Uint8Array.from([SECTION_DATA, ...leb(BigInt(bodyLength))]), ...body);
  parts.push(module.subarray(data.end));
  return { bytes: new Uint8Array(Buffer.concat(parts)), image, withoutSegments };
}

/** `module` without its data section, its data count section (if any) saying 0. */
function withoutDataSegments(module: Uint8Array, sections: Section[]): Uint8Array {
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === SECTION_DATA) continue;
    if (s.id === SECTION_DATA_COUNT) parts.push(Uint8Array.of(SECTION_DATA_COUNT, 1, 0));
    else parts.push(module.subarray(s.start, s.end));
  }
  return new Uint8Array(Buffer.concat(parts));
}

function pagesToMiB(pages: bigint): string {
  return (Number(pages) / 16).toFixed(1);
}

/**
 * The payload of the first top-level custom section named `sectionName` of a module or
 * component, or null when it has none. Nested modules are not searched.
 */
export function customSection(binary: Uint8Array, sectionName: string): Uint8Array | null {
  for (const s of sectionsOf(binary)) {
    if (s.id !== 0) continue;
    const r = new Reader(binary, s.bodyStart);
    const length = r.u32();
    const found = Buffer.from(binary.subarray(r.pos, r.pos + length)).toString("utf8");
    if (found === sectionName) return binary.subarray(r.pos + length, s.end);
  }
  return null;
}

/** `binary` with a custom section appended at the top level (valid in modules and components). */
export function appendCustomSection(
  binary: Uint8Array,
  sectionName: string,
  payload: Uint8Array,
): Uint8Array {
  const head = name(sectionName);
  const header = [0, ...leb(BigInt(head.length + payload.length)), ...head];
  const out = new Uint8Array(binary.length + header.length + payload.length);
  out.set(binary, 0);
  out.set(header, binary.length);
  out.set(payload, binary.length + header.length);
  return out;
}
