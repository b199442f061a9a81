/**
 * @module preempt/instrument
 * Inserts preemption checks into a core wasm module, without dependencies: a guest spinning in
 * a loop with no import calls cannot otherwise be interrupted on the main thread (nothing in V8
 * or Node preempts wasm).
 *
 * What the rewritten module gets:
 * - two function imports from {@link PREEMPT_MODULE}, `tick: () -> i32` (plain JS: checks the
 *   budgets, may throw, which traps) and `yield: () -> i32` (wrapped in `WebAssembly.Suspending`
 *   by the host: may suspend); both return the new fuel. They are appended after the existing
 *   imports, so every defined function index moves up by two and is remapped everywhere
 *   (code, element segments, table and global initializers, exports, start, `name` section);
 * - two mutable i32 globals appended last, `$fuel` and `$may_yield`, both 0; `$fuel` is
 *   exported as {@link FUEL_EXPORT}, so the host can end a slice from a host call;
 * - for placements `calls` and `kill`, an imported shared memory `flag` (1 page) after the
 *   other imports: a watchdog thread writes nonzero at address 0 to kill the running process.
 *   Defined memories then move up by one index (memargs, memory instructions, data segments,
 *   exports, memory names are remapped);
 * - checks (see checks.ts for the code): `loops` puts a yield check at every loop header and
 *   function entry; `calls` a yield check at function entries and a kill check at loop headers;
 *   `kill` kill checks at both. At a loop header (placement `loops`) the yield check has no call
 *   inside the loop: it decrements `$fuel` and, when that runs out, branches out of the loop to
 *   the call, then re-enters the loop (checks.ts `loopHead`). A never-taken call inside a loop
 *   made tight loops 2-2.7x slower in V8; the branch out costs ~1.3-1.5x (the preempt bench).
 *   So each such loop gets three frames around it (`block`, `loop`, `block`): every branch
 *   from inside that leaves the loop (`br*`, `br_table`, `br_on_*`, `rethrow`, `delegate`,
 *   `try_table` catches) moves out by three per loop it crosses, label names in the `name`
 *   section move with them, and a loop with parameters needs a block type `[p*] -> [p*]`,
 *   added to the type section when the module has none (once per p*). The type section is
 *   therefore written last and spliced in front;
 * - the `$may_yield` discipline (placements with yield checks only). JSPI can only suspend
 *   wasm frames that sit directly under the `WebAssembly.promising` export: a JS frame in
 *   between makes a suspend throw. So the flag is 1 only inside an entry export, and is cleared
 *   while a call may leave the module:
 *   - each export selected by `entryExport` points at a new wrapper function (same type) that
 *     saves the flag, sets it to 1, calls the original and restores it; other exports of the
 *     same function keep pointing at the original;
 *   - every `call` of an imported function saves the flag in a new local of the caller, clears
 *     it and restores it after the call; `call_indirect` and `call_ref` too when a table or a
 *     reference may hold an imported function (an imported or exported table, an imported
 *     function named in an element segment, initializer or export, an imported or exported
 *     reference global, an imported function returning a reference, an exported function
 *     taking one). Tail calls so wrapped become a call then `return`. A trap leaves the flag
 *     as it was: the instance is discarded after a trap.
 *
 * Custom sections other than `name` are copied byte for byte, except `metadata.code.*`
 * (branch hints), whose code offsets the rewrite invalidates: they are dropped. Code offsets
 * move, so DWARF or a source map of the code no longer match the rewritten bytes.
 *
 * Throws an Error naming the opcode and byte offset on an instruction it cannot decode, and on
 * a malformed module; the caller then serves the module uninstrumented.
 */

import { ByteWriter } from "../wasm/bytes.ts";
import {
  KILL_CHECK_LABELS,
  killCheck,
  loopHead,
  loopTail,
  YIELD_CHECK_LABELS,
  yieldCheck,
  type CheckIndices,
} from "./checks.ts";
import { codeSection } from "./code-section.ts";
import { leb } from "../wasm/bytes.ts";
import { remapFunc, type RewritePlan } from "./expr-rewriter.ts";
import { EXTERNAL, readLayout, SECTION, SECTION_ORDER, type Section } from "./module-layout.ts";
import { nameSection } from "./name-section.ts";
import type { EntryWrapper, Placement, RewriteContext } from "./rewrite-context.ts";
import * as s from "./sections.ts";
import { LoopTypes } from "./loop-types.ts";

export { FUEL_EXPORT, PREEMPT_MODULE, type Placement } from "./rewrite-context.ts";

export interface InstrumentOptions {
  placement: Placement;
  /** Exported functions the host calls under WebAssembly.promising (may suspend). */
  entryExport: (name: string) => boolean;
}

export interface Instrumented {
  bytes: Uint8Array;
  /** Yield checks inserted (loop headers and function entries). */
  yieldChecks: number;
  /** Kill checks inserted. */
  killChecks: number;
}

/** The sections the rewrite must emit even when the module has none. */
const REQUIRED: ReadonlySet<number> = new Set([
  SECTION.type,
  SECTION.import,
  SECTION.global,
  SECTION.export,
]);

/** Rewrites `bytes` (a core module) with preemption checks; see the module comment. */
export function instrumentModule(bytes: Uint8Array, options: InstrumentOptions): Instrumented {
  const ctx = plan(bytes, options);
  const out = new ByteWriter(Math.ceil(bytes.length * 1.1) + 1024);
  out.copy(bytes, 0, 8);
  const present = new Set(ctx.layout.sections.map((section) => section.id));
  // The type section is written last (the code section adds types), then spliced in at `typeAt`.
  let typeAt = -1;
  let typeSection: Section | null = null;
  let rank = -1;
  const missingBefore = (limit: number): void => {
    for (let i = rank + 1; i < limit; i++) {
      const id = SECTION_ORDER[i]!;
      if (id === SECTION.type && !present.has(id)) typeAt = out.length;
      else if (REQUIRED.has(id) && !present.has(id)) emit(ctx, id, null, out);
    }
    rank = Math.max(rank, limit - 1);
  };
  for (const section of ctx.layout.sections) {
    if (section.id === SECTION.custom) {
      custom(ctx, section, out);
      continue;
    }
    const at = SECTION_ORDER.indexOf(section.id);
    if (at < 0) throw new Error(`preempt: unknown section id ${section.id}`);
    missingBefore(at);
    if (section.id === SECTION.type) {
      typeAt = out.length;
      typeSection = section;
    } else emit(ctx, section.id, section, out);
    rank = at;
  }
  missingBefore(SECTION_ORDER.length);
  const types = new ByteWriter(
    typeSection === null ? 64 : typeSection.end - typeSection.start + 64,
  );
  s.typeSection(ctx, typeSection, types);
  const head = new ByteWriter(types.length + 8);
  s.writeSection(head, SECTION.type, types);
  const body = out.view();
  const bytesOut = new Uint8Array(body.length + head.length);
  bytesOut.set(body.subarray(0, typeAt));
  bytesOut.set(head.view(), typeAt);
  bytesOut.set(body.subarray(typeAt), typeAt + head.length);
  return {
    bytes: bytesOut,
    yieldChecks: ctx.yieldChecks,
    killChecks: ctx.killChecks,
  };
}

function plan(bytes: Uint8Array, options: InstrumentOptions): RewriteContext {
  const layout = readLayout(bytes);
  const { placement } = options;
  const addFlag = placement !== "loops";
  const discipline = placement !== "kill";
  const fuelGlobal = layout.importedGlobals + layout.definedGlobals;
  const ix: CheckIndices = {
    fuelGlobal,
    mayYieldGlobal: fuelGlobal + 1,
    tickFunc: layout.importedFuncs,
    yieldFunc: layout.importedFuncs + 1,
    flagMemory: layout.importedMemories,
  };
  const loopTypes = new LoopTypes(layout, layout.types.length + 1);
  const rewritePlan: RewritePlan = {
    importedFuncs: layout.importedFuncs,
    shiftMemories: addFlag && layout.definedMemories > 0,
    importedMemories: layout.importedMemories,
    loopCheck: placement === "loops" ? null : killCheck(ix),
    loopExit:
      placement === "loops"
        ? { head: loopHead(ix), tail: loopTail(ix), slowType: (t) => loopTypes.slowType(t) }
        : null,
    wrapImportCalls: discipline,
    wrapIndirectCalls: false, // decided when the code section is reached
    mayYieldLeb: leb(ix.mayYieldGlobal),
  };
  const wrappers = new Map<number, EntryWrapper>();
  if (discipline) {
    let next = layout.importedFuncs + 2 + layout.definedFuncTypes.length;
    for (const e of layout.exports) {
      if (e.kind !== EXTERNAL.func || e.index < layout.importedFuncs) continue;
      if (wrappers.has(e.index) || !options.entryExport(e.name)) continue;
      const typeIndex = layout.definedFuncTypes[e.index - layout.importedFuncs]!;
      const type = layout.types[typeIndex];
      if (!type) throw new Error(`preempt: export ${e.name} does not have a function type`);
      const target = remapFunc(rewritePlan, e.index);
      wrappers.set(e.index, {
        target,
        typeIndex,
        params: type.params,
        index: next++,
        exportName: e.name,
      });
    }
  }
  const importedFuncResultsRef = layout.importedFuncTypes.some((t) => layout.types[t]?.refResults);
  return {
    layout,
    placement,
    plan: rewritePlan,
    ix,
    addFlag,
    tickType: layout.types.length,
    loopTypes,
    entryCheck: placement === "calls" || placement === "loops" ? yieldCheck(ix) : killCheck(ix),
    wrappers,
    mayHoldImports: layout.importedTables > 0 || layout.importedRefGlobal || importedFuncResultsRef,
    refGlobals: new Set(),
    entryLabels: placement === "kill" ? KILL_CHECK_LABELS : YIELD_CHECK_LABELS,
    insertedLabels: new Map(),
    yieldChecks: 0,
    killChecks: 0,
  };
}

/** Writes one non-custom section (`null`: one the module lacks and the rewrite needs). */
function emit(ctx: RewriteContext, id: number, section: Section | null, out: ByteWriter): void {
  const payload = new ByteWriter(section === null ? 64 : section.end - section.start + 64);
  switch (id) {
    case SECTION.import:
      s.importSection(ctx, section, payload);
      break;
    case SECTION.global:
      s.globalSection(ctx, section, payload);
      break;
    case SECTION.function:
      s.functionSection(ctx, section!, payload);
      break;
    case SECTION.table:
      s.tableSection(ctx, section!, payload);
      break;
    case SECTION.export:
      s.exportSection(ctx, section, payload);
      break;
    case SECTION.start:
      s.startSection(ctx, section!, payload);
      break;
    case SECTION.element:
      s.elementSection(ctx, section!, payload);
      break;
    case SECTION.code:
      ctx.plan.wrapIndirectCalls = ctx.plan.wrapImportCalls && ctx.mayHoldImports;
      codeSection(ctx, section!, payload);
      break;
    case SECTION.data:
      if (!ctx.plan.shiftMemories) return copySection(ctx, section!, out);
      s.dataSection(ctx, section!, payload);
      break;
    default: // memory, tag, data count: nothing in them changes
      return copySection(ctx, section!, out);
  }
  s.writeSection(out, id, payload);
}

function copySection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  out.copy(ctx.layout.bytes, section.head, section.end);
}

function custom(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  if (section.name?.startsWith("metadata.code.")) return;
  if (section.name !== "name") return copySection(ctx, section, out);
  const payload = nameSection(ctx, section);
  if (payload !== null) s.writeSection(out, SECTION.custom, payload);
}
