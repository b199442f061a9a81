/**
 * @module preempt/code-section
 * Rewrites the code section: each body keeps its locals (plus one i32 to save `$may_yield`,
 * when some call in it was wrapped), gets the entry check as its first instruction, and is
 * otherwise copied through {@link ExprRewriter}. The entry wrappers' bodies are appended.
 */

import { ByteWriter, Reader } from "../wasm/bytes.ts";
import { entryWrapperBody } from "./checks.ts";
import { type BodyState, ExprRewriter } from "./expr-rewriter.ts";
import type { Section } from "./module-layout.ts";
import type { RewriteContext } from "./rewrite-context.ts";

export function codeSection(ctx: RewriteContext, section: Section, out: ByteWriter): void {
  const { layout } = ctx;
  const bytes = layout.bytes;
  const r = new Reader(bytes, section.start);
  const count = r.u32();
  if (count !== layout.definedFuncTypes.length) {
    throw new Error("preempt: function and code sections disagree on the number of functions");
  }
  out.u32(count + ctx.wrappers.size);
  const expr = new ByteWriter(1 << 16);
  const ex = new ExprRewriter(bytes, ctx.plan, expr);
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const end = r.pos + size;
    const localsStart = r.pos;
    const groups = r.u32();
    let declared = 0;
    for (let g = 0; g < groups; g++) {
      declared += r.u32();
      r.valType();
    }
    const localsEnd = r.pos;
    const type = layout.types[layout.definedFuncTypes[i]!];
    if (!type) throw new Error(`preempt: function ${i} does not have a function type`);
    const fn: BodyState = {
      saveLocal: type.params + declared,
      usedSave: false,
      pre: null,
      post: null,
    };
    expr.reset();
    if (ctx.entryCheck !== null) expr.bytes(ctx.entryCheck);
    let after: number;
    try {
      after = ex.expr(localsEnd, end, fn);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message} (in function ${layout.importedFuncs + i})`, { cause: err });
    }
    if (after !== end) throw new Error(`preempt: function ${i}'s body ends before its size says`);
    if (ex.insertedLabels.length > 0) {
      ctx.insertedLabels.set(layout.importedFuncs + i, Int32Array.from(ex.insertedLabels));
    }
    if (fn.usedSave) {
      // The locals' count grows by one group, `1 × i32`, appended so no local index moves.
      const head = new ByteWriter(16);
      head.u32(groups + 1);
      const groupsLeb = r.bytes.subarray(localsStart, localsStart + lebLength(bytes, localsStart));
      const rest = localsEnd - localsStart - groupsLeb.length;
      out.u32(head.length + rest + 2 + expr.length);
      out.bytes(head.view());
      out.copy(bytes, localsStart + groupsLeb.length, localsEnd);
      out.bytes([0x01, 0x7f]);
    } else {
      out.u32(localsEnd - localsStart + expr.length);
      out.copy(bytes, localsStart, localsEnd);
    }
    out.bytes(expr.view());
    r.pos = end;
  }
  if (ctx.entryCheck !== null) {
    if (ctx.placement === "kill") ctx.killChecks += count;
    else ctx.yieldChecks += count;
  }
  if (ctx.placement === "loops") ctx.yieldChecks += ex.loopChecks;
  else ctx.killChecks += ex.loopChecks;
  for (const w of ctx.wrappers.values()) {
    const body = entryWrapperBody(w.params, w.target, ctx.ix);
    out.u32(body.length);
    out.bytes(body);
  }
}

function lebLength(b: Uint8Array, p: number): number {
  let n = 1;
  while (b[p++]! & 0x80) n++;
  return n;
}
