/**
 * @module preempt/sections
 * The rewrites of the small sections: the added type, imports and globals, and the function
 * indices (and, when the flag memory is imported in front of defined memories, the memory
 * indices) named in the table, global, export, start, element and data sections. Each writes
 * the new payload of its section into `out`; constant expressions go through the same
 * {@link ExprRewriter} as code.
 */

import { ByteWriter, Reader } from "../wasm/bytes.ts";
import { ExprRewriter, remapFunc } from "./expr-rewriter.ts";
import { EXTERNAL, type Section } from "./module-layout.ts";
import { FUEL_EXPORT, PREEMPT_MODULE, type RewriteContext } from "./rewrite-context.ts";

/** Reads the section's leading count; `r` is left after it. Absent sections count zero. */
function open(ctx: RewriteContext, section: Section | null): { r: Reader; count: number } {
  const r = new Reader(ctx.layout.bytes, section?.start ?? 0);
  return { r, count: section === null ? 0 : r.u32() };
}

/**
 * Appends the `() -> i32` type of `tick` and `yield`, then the `[p*] -> [p*]` types the code
 * section asked for (loop-types.ts `LoopTypes`); so it is written after the code section.
 */
export function typeSection(ctx: RewriteContext, section: Section | null, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  out.u32(count + 1 + ctx.loopTypes.added.length);
  if (section !== null) out.copy(r.bytes, r.pos, section.end);
  out.bytes([0x60, 0x00, 0x01, 0x7f]);
  for (const type of ctx.loopTypes.added) out.bytes(type);
}

/** Appends `tick`, `yield` and, for `calls` and `kill`, the shared `flag` memory. */
export function importSection(ctx: RewriteContext, section: Section | null, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  out.u32(count + 2 + (ctx.addFlag ? 1 : 0));
  if (section !== null) out.copy(r.bytes, r.pos, section.end);
  for (const field of ["tick", "yield"]) {
    out.name(PREEMPT_MODULE);
    out.name(field);
    out.byte(EXTERNAL.func);
    out.u32(ctx.tickType);
  }
  if (ctx.addFlag) {
    out.name(PREEMPT_MODULE);
    out.name("flag");
    out.byte(EXTERNAL.memory);
    out.bytes([0x03, 0x01, 0x01]); // shared, min 1, max 1 page
  }
}

/** Appends the wrappers' type indices. */
export function functionSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  out.u32(count + ctx.wrappers.size);
  out.copy(r.bytes, r.pos, section.end);
  for (const w of ctx.wrappers.values()) out.u32(w.typeIndex);
}

/** Remaps `ref.func` in table initializers (`0x40 0x00 tabletype expr`). */
export function tableSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  const ex = new ExprRewriter(r.bytes, ctx.plan, out);
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const init = r.bytes[r.pos] === 0x40;
    if (init) r.pos += 2;
    r.valType();
    r.limits();
    out.copy(r.bytes, start, r.pos);
    if (init) r.pos = ex.expr(r.pos, section.end, null);
  }
  if (ex.sawImportedRef) ctx.mayHoldImports = true;
}

/** Remaps `ref.func` in initializers, and appends `$fuel` and `$may_yield` (mutable i32, 0). */
export function globalSection(ctx: RewriteContext, section: Section | null, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  const ex = new ExprRewriter(r.bytes, ctx.plan, out);
  out.u32(count + 2);
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    if (r.valType()) ctx.refGlobals.add(ctx.layout.importedGlobals + i);
    r.byte();
    out.copy(r.bytes, start, r.pos);
    r.pos = ex.expr(r.pos, section!.end, null);
  }
  if (ex.sawImportedRef) ctx.mayHoldImports = true;
  for (let i = 0; i < 2; i++) out.bytes([0x7f, 0x01, 0x41, 0x00, 0x0b]);
}

/**
 * Points entry exports at their wrappers and remaps the other function (and memory) indices.
 * An exported table, a re-exported import, an exported function taking references or an
 * exported reference global lets references to imported functions in from outside.
 */
export function exportSection(ctx: RewriteContext, section: Section | null, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  const { layout, plan } = ctx;
  out.u32(count + 1);
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    r.name();
    const kind = r.byte();
    out.copy(r.bytes, start, r.pos);
    let index = r.u32();
    if (kind === EXTERNAL.func) {
      const type =
        index < layout.importedFuncs
          ? layout.importedFuncTypes[index]
          : layout.definedFuncTypes[index - layout.importedFuncs];
      if (index < layout.importedFuncs || layout.types[type ?? -1]?.refParams) {
        ctx.mayHoldImports = true;
      }
      index = ctx.wrappers.get(index)?.index ?? remapFunc(plan, index);
    } else if (kind === EXTERNAL.memory) {
      if (plan.shiftMemories && index >= plan.importedMemories) index++;
    } else if (kind === EXTERNAL.table) ctx.mayHoldImports = true;
    else if (kind === EXTERNAL.global && ctx.refGlobals.has(index)) ctx.mayHoldImports = true;
    out.u32(index);
  }
  // The fuel global, so that the host can end a process's slice from a host call (a loop of
  // slow host calls would otherwise run on the fuel its fast iterations earned).
  out.name(FUEL_EXPORT);
  out.byte(EXTERNAL.global);
  out.u32(ctx.ix.fuelGlobal);
}

export function startSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const r = new Reader(ctx.layout.bytes, section.start); // no count: one function index
  out.u32(remapFunc(ctx.plan, r.u32()));
}

/** Remaps function indices in every element segment form (index lists and expressions). */
export function elementSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  const { plan } = ctx;
  const ex = new ExprRewriter(r.bytes, plan, out);
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags > 7) throw new Error(`preempt: unknown element segment flags ${flags}`);
    out.u32(flags);
    let start = r.pos;
    if ((flags & 1) === 0) {
      if (flags & 2) r.u32(); // table index
      out.copy(r.bytes, start, r.pos);
      r.pos = ex.expr(r.pos, section.end, null); // offset
      start = r.pos;
    }
    if (flags & 4) {
      if (flags & 3) r.valType(); // reference type
      const n = r.u32();
      out.copy(r.bytes, start, r.pos);
      for (let j = 0; j < n; j++) r.pos = ex.expr(r.pos, section.end, null);
    } else {
      if (flags & 3) r.byte(); // element kind 0x00 (funcref)
      const n = r.u32();
      out.copy(r.bytes, start, r.pos);
      for (let j = 0; j < n; j++) {
        const f = r.u32();
        if (f < plan.importedFuncs) ctx.mayHoldImports = true;
        out.u32(remapFunc(plan, f));
      }
    }
  }
  if (ex.sawImportedRef) ctx.mayHoldImports = true;
}

/**
 * Moves active data segments' memory index up by one when the flag memory is imported in front
 * of a defined memory; called only then. Segment form 0 (implicit memory 0) becomes form 2.
 */
export function dataSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const { r, count } = open(ctx, section);
  const { plan } = ctx;
  const ex = new ExprRewriter(r.bytes, plan, out);
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags > 2) throw new Error(`preempt: unknown data segment flags ${flags}`);
    if (flags !== 1) {
      const mem = flags === 2 ? r.u32() : 0;
      const moved = mem >= plan.importedMemories ? mem + 1 : mem;
      if (moved === 0) out.byte(0);
      else {
        out.byte(2);
        out.u32(moved);
      }
      r.pos = ex.expr(r.pos, section.end, null);
    } else out.byte(1);
    const start = r.pos;
    const length = r.u32();
    r.pos += length;
    out.copy(r.bytes, start, r.pos);
  }
}

/** A whole section: id, LEB128 size, payload. */
export function writeSection(out: ByteWriter, id: number, payload: ByteWriter): void {
  out.byte(id);
  out.u32(payload.length);
  out.bytes(payload.view());
}

export { ByteWriter };
