/**
 * @module preempt/module-layout
 * What the preemption rewriter must know about a core module before it rewrites any code: where
 * each section is, the function types, how many functions, memories and globals are imported,
 * which functions are defined with which type, and the exports. Sections it does not need are
 * only located, never decoded.
 */

import { Reader } from "../wasm/bytes.ts";

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Where the non-custom sections go, in the order the binary format requires. */
export const SECTION_ORDER: readonly number[] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/** One section: its id and where its payload lies (`start`..`end`), after the size. */
export interface Section {
  id: number;
  /** First byte of the section (its id). */
  head: number;
  start: number;
  end: number;
  /** The name of a custom section. */
  name?: string;
  /** Where a custom section's payload starts, after its name. */
  contentStart?: number;
}

/** A function type, reduced to what the rewriter uses. */
export interface FuncType {
  params: number;
  /** Some parameter is a reference (funcref, externref, any typed reference). */
  refParams: boolean;
  /** Some result is a reference. */
  refResults: boolean;
  /** Where its parameter vector (count included) lies in the module's bytes. */
  paramsAt: number;
  /** Where its result vector (count included) starts; it ends at `resultsEnd`. */
  resultsAt: number;
  resultsEnd: number;
}

export const EXTERNAL = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export interface ModuleLayout {
  bytes: Uint8Array;
  sections: Section[];
  /** By type index; `null` for struct and array types. */
  types: (FuncType | null)[];
  importedFuncs: number;
  importedFuncTypes: number[];
  importedTables: number;
  importedMemories: number;
  importedGlobals: number;
  /** An imported global holds a reference (it could be a function from outside). */
  importedRefGlobal: boolean;
  /** Type index of every defined function. */
  definedFuncTypes: number[];
  definedMemories: number;
  definedGlobals: number;
  exports: Export[];
}

/** Locates every section and decodes the type, import, function, memory, global, export ones. */
export function readLayout(bytes: Uint8Array): ModuleLayout {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) {
    throw new Error("preempt: not a core wasm module (bad header)");
  }
  const layout: ModuleLayout = {
    bytes,
    sections: [],
    types: [],
    importedFuncs: 0,
    importedFuncTypes: [],
    importedTables: 0,
    importedMemories: 0,
    importedGlobals: 0,
    importedRefGlobal: false,
    definedFuncTypes: [],
    definedMemories: 0,
    definedGlobals: 0,
    exports: [],
  };
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const head = r.pos;
    const id = r.byte();
    const size = r.u32();
    const section: Section = { id, head, start: r.pos, end: r.pos + size };
    if (section.end > bytes.length) throw new RangeError(`section ${id} runs past the end`);
    const body = new Reader(bytes, section.start);
    if (id === SECTION.custom) {
      section.name = body.name();
      section.contentStart = body.pos;
    } else if (id === SECTION.type) readTypes(body, layout);
    else if (id === SECTION.import) readImports(body, layout);
    else if (id === SECTION.function) {
      for (let n = body.u32(); n > 0; n--) layout.definedFuncTypes.push(body.u32());
    } else if (id === SECTION.memory) layout.definedMemories = body.u32();
    else if (id === SECTION.global) layout.definedGlobals = body.u32();
    else if (id === SECTION.export) {
      for (let n = body.u32(); n > 0; n--) {
        const name = body.name();
        layout.exports.push({ name, kind: body.byte(), index: body.u32() });
      }
    }
    layout.sections.push(section);
    r.pos = section.end;
  }
  return layout;
}

/** Function types, through GC's rec groups and subtypes (one index per subtype). */
function readTypes(r: Reader, layout: ModuleLayout): void {
  for (let n = r.u32(); n > 0; n--) {
    const form = r.byte();
    if (form === 0x4e) {
      for (let m = r.u32(); m > 0; m--) layout.types.push(subType(r, r.byte()));
    } else layout.types.push(subType(r, form));
  }
}

function subType(r: Reader, form: number): FuncType | null {
  if (form === 0x50 || form === 0x4f) {
    for (let n = r.u32(); n > 0; n--) r.u32();
    form = r.byte();
  }
  if (form === 0x60) {
    const start = r.pos;
    const params = r.u32();
    r.pos = start;
    const refParams = r.valTypes();
    const resultsAt = r.pos;
    const refResults = r.valTypes();
    return { params, refParams, refResults, paramsAt: start, resultsAt, resultsEnd: r.pos };
  }
  if (form === 0x5f) {
    for (let n = r.u32(); n > 0; n--) fieldType(r);
  } else if (form === 0x5e) fieldType(r);
  else throw new Error(`preempt: unknown type form 0x${form.toString(16)} at byte ${r.pos - 1}`);
  return null;
}

function fieldType(r: Reader): void {
  const t = r.bytes[r.pos]!;
  if (t === 0x78 || t === 0x77)
    r.pos++; // i8, i16
  else r.valType();
  r.byte(); // mutability
}

function readImports(r: Reader, layout: ModuleLayout): void {
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === EXTERNAL.func) {
      layout.importedFuncs++;
      layout.importedFuncTypes.push(r.u32());
    } else if (kind === EXTERNAL.table) {
      layout.importedTables++;
      r.valType();
      r.limits();
    } else if (kind === EXTERNAL.memory) {
      layout.importedMemories++;
      r.limits();
    } else if (kind === EXTERNAL.global) {
      layout.importedGlobals++;
      if (r.valType()) layout.importedRefGlobal = true;
      r.byte();
    } else if (kind === EXTERNAL.tag) {
      r.byte();
      r.u32();
    } else throw new Error(`preempt: unknown import kind 0x${kind.toString(16)} at ${r.pos - 1}`);
  }
}
