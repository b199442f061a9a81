/**
 * @module wasm/bytes
 * rusm's one wasm binary reader and writer primitives: LEB128 reading and encoding, a
 * {@link Reader} cursor, and a growable {@link ByteWriter}. Used by the preemption rewriter
 * (preempt/), the module rewrites of binary.ts and the snapshot tool (toolchain/).
 *
 * The fast readers take a position and leave the position after the value in {@link lebEnd}
 * (one module-level number instead of an object per value: the rewriter decodes millions of
 * immediates on StarlingMonkey's module, and that allocation shows).
 */

/** Where the last {@link readU32} / {@link skipLeb} call stopped. */
export let lebEnd = 0;

/** Reads an unsigned LEB128 of up to 32 bits at `p`; {@link lebEnd} is set past it. */
export function readU32(b: Uint8Array, p: number): number {
  let byte = b[p++]!;
  let value = byte & 0x7f;
  let shift = 7;
  while (byte & 0x80) {
    if (p >= b.length) throw new RangeError(`unexpected end of wasm binary at byte ${p}`);
    byte = b[p++]!;
    // Up to 35 bits fit a double exactly; ** keeps the value unsigned past bit 31.
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (shift > 35) throw new RangeError(`LEB128 too long at byte ${p}`);
  }
  lebEnd = p;
  return value;
}

/** Skips a LEB128 (signed or unsigned, any width) at `p`; returns the position after it. */
export function skipLeb(b: Uint8Array, p: number): number {
  const start = p;
  while (b[p++]! & 0x80) {
    if (p - start > 10) throw new RangeError(`LEB128 too long at byte ${start}`);
  }
  if (p > b.length) throw new RangeError(`unexpected end of wasm binary at byte ${start}`);
  return p;
}

/** Skips a value type at `p` (a reference type may carry a heap type); returns the end. */
export function skipValType(b: Uint8Array, p: number): number {
  const t = b[p++]!;
  return t === 0x63 || t === 0x64 ? skipLeb(b, p) : p;
}

/**
 * The unsigned LEB128 encoding of `value`: a non-negative integer below 2^32 as a number (the
 * rewriter's indices), or any unsigned 64-bit value as a bigint (memory limits, lengths).
 */
export function leb(value: number | bigint): number[] {
  const out: number[] = [];
  if (typeof value === "bigint") {
    do {
      let byte = Number(value & 0x7fn);
      value >>= 7n;
      if (value !== 0n) byte |= 0x80;
      out.push(byte);
    } while (value !== 0n);
    return out;
  }
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/**
 * The signed LEB128 encoding of `value`, any safe integer: a type index in a block type (an s33),
 * a negative constant.
 */
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    // `& 0x7f` reads the low 7 bits of the two's complement, negative values included.
    const byte = value & 0x7f;
    value = Math.floor(value / 128);
    const signBit = (byte & 0x40) !== 0;
    if ((value === 0 && !signBit) || (value === -1 && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * The signed LEB128 encoding of an `i32.const` operand: `value` wrapped to 32 bits first, so an
 * address at 2 GiB or above is the negative i32 the instruction takes.
 */
export function sleb32(value: number): number[] {
  return sleb(value | 0);
}

/** A wasm name (a LEB128 length, then UTF-8) at `p`, decoded; {@link lebEnd} is set past it. */
export function readName(b: Uint8Array, p: number): string {
  const length = readU32(b, p);
  const start = lebEnd;
  lebEnd = start + length;
  if (lebEnd > b.length) throw new RangeError(`wasm name runs past the end at byte ${p}`);
  return utf8.decode(b.subarray(start, lebEnd));
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A cursor over a wasm binary from `pos` on, for what is decoded once per module (sections,
 * imports, limits; not the code, which the rewriter reads with {@link readU32}). Every read past
 * the end throws a RangeError.
 */
export class Reader {
  readonly bytes: Uint8Array;
  pos: number;

  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) {
      throw new RangeError(`unexpected end of wasm binary at byte ${this.pos}`);
    }
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 of up to 32 bits (35 accepted, as {@link readU32}). */
  u32(): number {
    // readU32 reads its first byte unchecked; a cursor at the end throws instead.
    if (this.pos >= this.bytes.length) {
      throw new RangeError(`unexpected end of wasm binary at byte ${this.pos}`);
    }
    const value = readU32(this.bytes, this.pos);
    this.pos = lebEnd;
    return value;
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

  /** A signed LEB128 of up to 64 bits (an `i32.const` or `i64.const` immediate), as a bigint. */
  sleb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return b & 0x40 ? result - (1n << shift) : result;
      if (shift > 63n) throw new RangeError("LEB128 too long");
    }
  }

  skipLeb(): void {
    this.pos = skipLeb(this.bytes, this.pos);
  }

  name(): string {
    const text = readName(this.bytes, this.pos);
    this.pos = lebEnd;
    return text;
  }

  /** Skips a value type (a reference type may carry a heap type); true when it is a reference. */
  valType(): boolean {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) this.skipLeb();
    return t === 0x63 || t === 0x64 || (t >= 0x69 && t <= 0x74);
  }

  /** Skips a vector of value types; true when any is a reference. */
  valTypes(): boolean {
    let ref = false;
    for (let n = this.u32(); n > 0; n--) if (this.valType()) ref = true;
    return ref;
  }

  /** Skips table or memory limits. */
  limits(): void {
    const flags = this.byte();
    this.skipLeb();
    if (flags & 0x01) this.skipLeb();
  }
}

/** An append-only byte buffer that doubles when full. */
export class ByteWriter {
  #buf: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
  }

  #reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(need, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buf[this.length++] = value;
  }

  u32(value: number): void {
    this.#reserve(5);
    do {
      let byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value !== 0) byte |= 0x80;
      this.#buf[this.length++] = byte;
    } while (value !== 0);
  }

  /** Appends `src[start..end)`. */
  copy(src: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.#reserve(end - start);
    this.#buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  bytes(src: Uint8Array | readonly number[]): void {
    this.#reserve(src.length);
    this.#buf.set(src, this.length);
    this.length += src.length;
  }

  /** A wasm name: LEB128 byte length, then UTF-8. */
  name(text: string): void {
    const encoded = new TextEncoder().encode(text);
    this.u32(encoded.length);
    this.bytes(encoded);
  }

  /** The bytes written so far (a view: copy it before writing more). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}
