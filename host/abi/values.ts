/**
 * @module abi/values
 * Moves WIT values between a guest's linear memory (or its flat core arguments) and the
 * host's JS values, by the canonical ABI's rules (`CanonicalABI.md`: load/store, lift/lower of
 * flat values), for UTF-8 strings.
 *
 * Lists and strings the host receives are copies: a host object may keep them while the guest
 * reuses its memory. Out-of-bounds pointers and bad discriminants trap.
 */
import { GuestTrap } from "../wasi/errors.ts";
import type { HandleTable } from "./handles.ts";
import {
  cases,
  discriminantBytes,
  layout,
  memberOffsets,
  members,
  payloadOffset,
  type Flat,
  type WitType,
} from "./types.ts";

/** What moving values needs from one instance: its memory, allocator and handles. */
export interface AbiContext {
  readonly memory: WebAssembly.Memory;
  /** The guest's `cabi_realloc(old, old-size, align, new-size) -> ptr`. */
  readonly realloc: (old: number, oldSize: number, align: number, size: number) => number;
  readonly handles: HandleTable;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

let cachedBuffer: ArrayBuffer | null = null;
let cachedView: DataView = new DataView(new ArrayBuffer(0));

/** A DataView of `memory`'s current buffer (memory.grow detaches the old one). */
function view(memory: WebAssembly.Memory): DataView {
  const buffer = memory.buffer;
  if (buffer !== cachedBuffer) {
    cachedBuffer = buffer;
    cachedView = new DataView(buffer);
  }
  return cachedView;
}

function bounds(memory: WebAssembly.Memory, ptr: number, bytes: number): void {
  if (ptr < 0 || ptr + bytes > memory.buffer.byteLength) {
    throw new GuestTrap(`out-of-bounds pointer ${ptr} (+${bytes} bytes)`);
  }
}

function badDiscriminant(t: WitType, d: number): never {
  throw new GuestTrap(`invalid discriminant ${d} for a ${t.k}`);
}

function caseValue(t: WitType, d: number, payload: unknown): unknown {
  switch (t.k) {
    case "option":
      return d === 0 ? undefined : payload;
    case "result":
      return d === 0 ? { tag: "ok", val: payload } : { tag: "err", val: payload };
    case "enum":
      return t.cases[d];
    case "variant": {
      const c = t.cases[d]!;
      return c[1] === null ? { tag: c[0] } : { tag: c[0], val: payload };
    }
    default:
      throw new TypeError(`${t.k} is not a variant`);
  }
}

/** The case index and payload of a host value of a variant-like type. */
function caseOf(t: WitType, value: unknown): [number, unknown] {
  switch (t.k) {
    case "option":
      return value === undefined || value === null ? [0, undefined] : [1, value];
    case "result": {
      const v = value as { tag: string; val?: unknown };
      return [v.tag === "ok" ? 0 : 1, v.val];
    }
    case "enum": {
      const d = t.cases.indexOf(value as string);
      if (d < 0) throw new TypeError(`invalid enum value ${String(value)}`);
      return [d, undefined];
    }
    case "variant": {
      const v = value as { tag: string; val?: unknown };
      const d = t.cases.findIndex(([name]) => name === v.tag);
      if (d < 0) throw new TypeError(`invalid variant tag ${JSON.stringify(v.tag)}`);
      return [d, v.val];
    }
    default:
      throw new TypeError(`${t.k} is not a variant`);
  }
}

function loadList(cx: AbiContext, of: WitType, ptr: number, len: number): unknown {
  const { size } = layout(of);
  bounds(cx.memory, ptr, len * size);
  if (of.k === "u8") return new Uint8Array(cx.memory.buffer.slice(ptr, ptr + len));
  const out: unknown[] = [];
  for (let i = 0; i < len; i++) out.push(load(cx, of, ptr + i * size));
  return out;
}

function loadString(cx: AbiContext, ptr: number, len: number): string {
  bounds(cx.memory, ptr, len);
  return decoder.decode(new Uint8Array(cx.memory.buffer, ptr, len));
}

/** Reads a `t` from guest memory at `ptr`. */
export function load(cx: AbiContext, t: WitType, ptr: number): unknown {
  bounds(cx.memory, ptr, layout(t).size);
  const dv = view(cx.memory);
  switch (t.k) {
    case "bool":
      return dv.getUint8(ptr) !== 0;
    case "u8":
      return dv.getUint8(ptr);
    case "s8":
      return dv.getInt8(ptr);
    case "u16":
      return dv.getUint16(ptr, true);
    case "s16":
      return dv.getInt16(ptr, true);
    case "u32":
      return dv.getUint32(ptr, true);
    case "s32":
      return dv.getInt32(ptr, true);
    case "char":
      return String.fromCodePoint(dv.getUint32(ptr, true));
    case "u64":
      return dv.getBigUint64(ptr, true);
    case "s64":
      return dv.getBigInt64(ptr, true);
    case "f32":
      return dv.getFloat32(ptr, true);
    case "f64":
      return dv.getFloat64(ptr, true);
    case "string":
      return loadString(cx, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    case "list":
      return loadList(cx, t.of, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    case "own":
      return cx.handles.take(t.res, dv.getInt32(ptr, true));
    case "borrow":
      return cx.handles.get(t.res, dv.getInt32(ptr, true));
    case "tuple":
    case "record": {
      const offsets = memberOffsets(t);
      const values = members(t).map((m, i) => load(cx, m, ptr + offsets[i]!));
      if (t.k === "tuple") return values;
      return Object.fromEntries(t.fields.map(([name], i) => [name, values[i]]));
    }
    case "flags": {
      const out: Record<string, boolean> = {};
      const bytes = layout(t).size;
      t.names.forEach((name, i) => {
        const byte = Math.floor(i / 8);
        out[name] = byte < bytes && (dv.getUint8(ptr + byte) & (1 << (i % 8))) !== 0;
      });
      return out;
    }
    case "option":
    case "result":
    case "variant":
    case "enum": {
      const db = discriminantBytes(t);
      const d =
        db === 1 ? dv.getUint8(ptr) : db === 2 ? dv.getUint16(ptr, true) : dv.getUint32(ptr, true);
      const cs = cases(t);
      if (d >= cs.length) badDiscriminant(t, d);
      const pt = cs[d];
      const payload =
        pt === null || pt === undefined ? undefined : load(cx, pt, ptr + payloadOffset(t));
      return caseValue(t, d, payload);
    }
  }
}

/** Copies bytes into fresh guest memory (the guest's `cabi_realloc`); returns the pointer. */
function allocate(cx: AbiContext, bytes: Uint8Array, align: number): number {
  if (bytes.length === 0) return align;
  const ptr = cx.realloc(0, 0, align, bytes.length);
  bounds(cx.memory, ptr, bytes.length);
  new Uint8Array(cx.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

function storeList(cx: AbiContext, of: WitType, value: unknown): [number, number] {
  if (of.k === "u8") {
    const bytes = value as Uint8Array;
    return [allocate(cx, bytes, 1), bytes.length];
  }
  const items = value as unknown[];
  const { size, align } = layout(of);
  if (items.length === 0) return [align, 0];
  const ptr = cx.realloc(0, 0, align, items.length * size);
  bounds(cx.memory, ptr, items.length * size);
  items.forEach((item, i) => store(cx, of, item, ptr + i * size));
  return [ptr, items.length];
}

/** Writes `value` as a `t` into guest memory at `ptr` (allocating for strings and lists). */
export function store(cx: AbiContext, t: WitType, value: unknown, ptr: number): void {
  bounds(cx.memory, ptr, layout(t).size);
  switch (t.k) {
    case "bool":
      view(cx.memory).setUint8(ptr, value ? 1 : 0);
      return;
    case "u8":
    case "s8":
      view(cx.memory).setUint8(ptr, Number(value) & 0xff);
      return;
    case "u16":
    case "s16":
      view(cx.memory).setUint16(ptr, Number(value) & 0xffff, true);
      return;
    case "u32":
    case "s32":
      view(cx.memory).setUint32(ptr, Number(value) >>> 0, true);
      return;
    case "char":
      view(cx.memory).setUint32(ptr, (value as string).codePointAt(0)!, true);
      return;
    case "u64":
    case "s64":
      view(cx.memory).setBigUint64(ptr, BigInt.asUintN(64, BigInt(value as bigint)), true);
      return;
    case "f32":
      view(cx.memory).setFloat32(ptr, value as number, true);
      return;
    case "f64":
      view(cx.memory).setFloat64(ptr, value as number, true);
      return;
    case "string":
    case "list": {
      // Allocate first: realloc may grow memory and detach any view taken before it.
      let p: number;
      let len: number;
      if (t.k === "string") {
        const bytes = encoder.encode(value as string);
        [p, len] = [allocate(cx, bytes, 1), bytes.length];
      } else {
        [p, len] = storeList(cx, t.of, value);
      }
      const dv = view(cx.memory);
      dv.setUint32(ptr, p, true);
      dv.setUint32(ptr + 4, len, true);
      return;
    }
    case "own":
      view(cx.memory).setInt32(ptr, cx.handles.insert(t.res, value), true);
      return;
    case "borrow":
      throw new TypeError("a borrow cannot be returned to the guest");
    case "tuple":
    case "record": {
      const offsets = memberOffsets(t);
      const values =
        t.k === "tuple"
          ? (value as unknown[])
          : t.fields.map(([name]) => (value as Record<string, unknown>)[name]);
      members(t).forEach((m, i) => store(cx, m, values[i], ptr + offsets[i]!));
      return;
    }
    case "flags": {
      const bytes = layout(t).size;
      const on = value as Record<string, boolean>;
      const bits = new Uint8Array(bytes);
      t.names.forEach((name, i) => {
        if (on[name]) bits[Math.floor(i / 8)]! |= 1 << (i % 8);
      });
      new Uint8Array(cx.memory.buffer, ptr, bytes).set(bits);
      return;
    }
    case "option":
    case "result":
    case "variant":
    case "enum": {
      const [d, payload] = caseOf(t, value);
      const db = discriminantBytes(t);
      const dv = view(cx.memory);
      if (db === 1) dv.setUint8(ptr, d);
      else if (db === 2) dv.setUint16(ptr, d, true);
      else dv.setUint32(ptr, d, true);
      const pt = cases(t)[d];
      if (pt !== null && pt !== undefined) store(cx, pt, payload, ptr + payloadOffset(t));
      return;
    }
  }
}

/** Converts a flat value held in a joined (wider) slot back to the case's own flat type. */
function narrow(value: unknown, slot: Flat, want: Flat): unknown {
  if (slot === want) return value;
  if (slot === "i64" && want === "i32") return Number(BigInt.asIntN(32, value as bigint));
  throw new TypeError(`unsupported flat join ${want} in ${slot}`);
}

/** Lifts a `t` from the flat core values `flat`, starting at index `at`. */
export function liftFlat(
  cx: AbiContext,
  t: WitType,
  flat: readonly unknown[],
  at: number,
): unknown {
  const v = flat[at];
  switch (t.k) {
    case "bool":
      return (v as number) !== 0;
    case "u8":
      return (v as number) & 0xff;
    case "s8":
      return ((v as number) << 24) >> 24;
    case "u16":
      return (v as number) & 0xffff;
    case "s16":
      return ((v as number) << 16) >> 16;
    case "u32":
      return (v as number) >>> 0;
    case "s32":
      return (v as number) | 0;
    case "char":
      return String.fromCodePoint((v as number) >>> 0);
    case "u64":
      return BigInt.asUintN(64, v as bigint);
    case "s64":
    case "f32":
    case "f64":
      return v;
    case "string":
      return loadString(cx, (v as number) >>> 0, (flat[at + 1] as number) >>> 0);
    case "list":
      return loadList(cx, t.of, (v as number) >>> 0, (flat[at + 1] as number) >>> 0);
    case "own":
      return cx.handles.take(t.res, v as number);
    case "borrow":
      return cx.handles.get(t.res, v as number);
    case "tuple":
    case "record": {
      const values: unknown[] = [];
      let i = at;
      for (const m of members(t)) {
        values.push(liftFlat(cx, m, flat, i));
        i += layout(m).flat.length;
      }
      if (t.k === "tuple") return values;
      return Object.fromEntries(t.fields.map(([name], k) => [name, values[k]]));
    }
    case "flags": {
      const out: Record<string, boolean> = {};
      t.names.forEach((name, i) => {
        const word = flat[at + Math.floor(i / 32)] as number;
        out[name] = (word & (1 << (i % 32))) !== 0;
      });
      return out;
    }
    case "option":
    case "result":
    case "variant":
    case "enum": {
      const d = v as number;
      const cs = cases(t);
      if (d < 0 || d >= cs.length) badDiscriminant(t, d);
      const pt = cs[d];
      if (pt === null || pt === undefined) return caseValue(t, d, undefined);
      const slots = layout(t).flat;
      const want = layout(pt).flat;
      const own = want.map((w, i) => narrow(flat[at + 1 + i], slots[1 + i]!, w));
      return caseValue(t, d, liftFlat(cx, pt, own, 0));
    }
  }
}

/** Lowers a value whose type flattens to exactly one core value (a scalar, enum or handle). */
export function lowerFlat(cx: AbiContext, t: WitType, value: unknown): unknown {
  if (layout(t).flat.length !== 1) {
    throw new TypeError(`a ${t.k} does not lower to one flat value`);
  }
  switch (t.k) {
    case "bool":
      return value ? 1 : 0;
    case "u8":
    case "s8":
    case "u16":
    case "s16":
    case "u32":
    case "s32":
      return Number(value) | 0;
    case "char":
      return (value as string).codePointAt(0)! | 0;
    case "u64":
    case "s64":
      return BigInt.asIntN(64, BigInt(value as bigint));
    case "f32":
    case "f64":
      return value;
    case "own":
      return cx.handles.insert(t.res, value);
    case "enum":
    case "option":
    case "result":
    case "variant":
      // One flat value: no case carries a payload, so the discriminant is all there is.
      return caseOf(t, value)[0];
    case "tuple":
    case "record": {
      const only = members(t)[0];
      if (only === undefined) break;
      const v =
        t.k === "tuple"
          ? (value as unknown[])[0]
          : (value as Record<string, unknown>)[t.fields[0]![0]];
      return lowerFlat(cx, only, v);
    }
    case "flags": {
      const on = value as Record<string, boolean>;
      let bits = 0;
      t.names.forEach((name, i) => {
        if (on[name]) bits |= 1 << i;
      });
      return bits;
    }
    default:
      break;
  }
  throw new TypeError(`a ${t.k} does not lower to one flat value`);
}
