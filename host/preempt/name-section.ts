/**
 * @module preempt/name-section
 * Rewrites the `name` custom section so that stack traces keep naming the right functions:
 * function names (subsection 1) and the function index of local names (2) and label names (3)
 * are remapped, memory names (6) too when memories moved; label indices move past the labels
 * the inserted checks open (their `if`s, and the three frames placement `loops` puts around
 * each loop, checks.ts `loopHead`: a loop's own name stays on the innermost frame, the loop
 * its branches still target); entry wrappers are named
 * `preempt_entry:<export name>`. Every other subsection is copied byte for byte.
 */

import { ByteWriter, Reader } from "../wasm/bytes.ts";
import { remapFunc } from "./expr-rewriter.ts";
import type { Section } from "./module-layout.ts";
import type { RewriteContext } from "./rewrite-context.ts";

/**
 * The new payload of the `name` section (its name included), or `null` when the section cannot
 * be decoded: it is then dropped, since stale names would mislabel every function after the
 * first defined one. (The engine ignores a malformed name section, so nothing else is lost.)
 */
export function nameSection(ctx: RewriteContext, section: Section): ByteWriter | null {
  const bytes = ctx.layout.bytes;
  const out = new ByteWriter(section.end - section.start + 256);
  out.copy(bytes, section.start, section.contentStart!);
  try {
    const r = new Reader(bytes, section.contentStart!);
    while (r.pos < section.end) {
      const id = r.byte();
      const size = r.u32();
      const end = r.pos + size;
      if (end > section.end) return null;
      const sub = new ByteWriter(size + 64);
      let decoded = true;
      if (id === 1) functionNames(ctx, r, sub);
      else if (id === 2) indirectNames(ctx, r, sub);
      else if (id === 3) labelNames(ctx, r, sub);
      else if (id === 6 && ctx.plan.shiftMemories) memoryNames(ctx, r, sub);
      else {
        sub.copy(bytes, r.pos, end);
        decoded = false;
      }
      if (decoded && r.pos !== end) return null;
      r.pos = end;
      out.byte(id);
      out.u32(sub.length);
      out.bytes(sub.view());
    }
  } catch {
    return null;
  }
  return out;
}

function functionNames(ctx: RewriteContext, r: Reader, out: ByteWriter): void {
  const count = r.u32();
  out.u32(count + ctx.wrappers.size);
  for (let i = 0; i < count; i++) {
    out.u32(remapFunc(ctx.plan, r.u32()));
    const start = r.pos;
    r.name();
    out.copy(r.bytes, start, r.pos);
  }
  // Wrappers have the highest indices, so they keep the map sorted.
  for (const w of ctx.wrappers.values()) {
    out.u32(w.index);
    out.name(`preempt_entry:${w.exportName}`);
  }
}

function indirectNames(ctx: RewriteContext, r: Reader, out: ByteWriter): void {
  const count = r.u32();
  out.u32(count);
  for (let i = 0; i < count; i++) {
    out.u32(remapFunc(ctx.plan, r.u32()));
    const start = r.pos;
    for (let n = r.u32(); n > 0; n--) {
      r.u32();
      r.name();
    }
    out.copy(r.bytes, start, r.pos);
  }
}

/**
 * Like local names, and each label index moves past the labels the checks open in front of it:
 * the entry check's, and those listed in `ctx.insertedLabels`.
 */
function labelNames(ctx: RewriteContext, r: Reader, out: ByteWriter): void {
  const count = r.u32();
  out.u32(count);
  const none = new Int32Array(0);
  for (let i = 0; i < count; i++) {
    const f = r.u32();
    out.u32(remapFunc(ctx.plan, f));
    const inserted = ctx.insertedLabels.get(f) ?? none;
    const n = r.u32();
    out.u32(n);
    let before = 0; // inserted labels at or before the label (the map is sorted by label)
    for (let j = 0; j < n; j++) {
      const label = r.u32();
      if (before > 0 && inserted[before - 1]! > label) before = 0; // unsorted: start over
      while (before < inserted.length && inserted[before]! <= label) before++;
      out.u32(label + ctx.entryLabels + before);
      const start = r.pos;
      r.name();
      out.copy(r.bytes, start, r.pos);
    }
  }
}

function memoryNames(ctx: RewriteContext, r: Reader, out: ByteWriter): void {
  const count = r.u32();
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const mem = r.u32();
    out.u32(mem >= ctx.plan.importedMemories ? mem + 1 : mem);
    const start = r.pos;
    r.name();
    out.copy(r.bytes, start, r.pos);
  }
}
