/**
 * @module wasm/imports
 * The function imports of a core module with their core types: module, name, parameter and
 * result value types, read from the type and import sections. Used by the test that checks
 * rusm's hand-written bindings against the canonical ABI of wit/ (abi/wit-bindings.test.ts);
 * `WebAssembly.Module.imports` gives names but no types.
 *
 * Reads plain function types (`0x60`) only, as toolchains emit for MVP-typed imports; a GC type
 * (a rec group, struct or array) is a RangeError rather than a silent misreading.
 */

import { Reader } from "./bytes.ts";

/** A value type as the text format spells it. */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

const VALTYPES: ReadonlyMap<number, ValType> = new Map([
  [0x7f, "i32"],
  [0x7e, "i64"],
  [0x7d, "f32"],
  [0x7c, "f64"],
  [0x7b, "v128"],
  [0x70, "funcref"],
  [0x6f, "externref"],
]);

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** One imported function. */
export interface FuncImport extends FuncType {
  readonly module: string;
  readonly name: string;
}

const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;

function valTypes(r: Reader): ValType[] {
  const out: ValType[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const code = r.byte();
    const t = VALTYPES.get(code);
    if (t === undefined) throw new RangeError(`value type 0x${code.toString(16)} at ${r.pos - 1}`);
    out.push(t);
  }
  return out;
}

function readTypes(r: Reader): FuncType[] {
  const types: FuncType[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const form = r.byte();
    if (form !== 0x60) throw new RangeError(`type form 0x${form.toString(16)} at ${r.pos - 1}`);
    types.push({ params: valTypes(r), results: valTypes(r) });
  }
  return types;
}

function readImports(r: Reader, types: readonly FuncType[]): FuncImport[] {
  const out: FuncImport[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0x00) {
      const type = types[r.u32()];
      if (type === undefined) throw new RangeError(`import ${module} ${name}: no such type`);
      out.push({ module, name, ...type });
    } else if (kind === 0x01) {
      r.valType();
      r.limits();
    } else if (kind === 0x02) r.limits();
    else if (kind === 0x03) {
      r.valType();
      r.byte(); // mutability
    } else throw new RangeError(`import kind 0x${kind.toString(16)} at ${r.pos - 1}`);
  }
  return out;
}

/** Every function import of a core module, in order, with its type. */
export function funcImports(module: Uint8Array): FuncImport[] {
  const r = new Reader(module, 8);
  let types: FuncType[] = [];
  while (r.pos < module.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === TYPE_SECTION) types = readTypes(new Reader(module.subarray(0, end), r.pos));
    // The type section comes first (the binary format's order), so `types` is complete here.
    else if (id === IMPORT_SECTION)
      return readImports(new Reader(module.subarray(0, end), r.pos), types);
    r.pos = end;
  }
  return [];
}
