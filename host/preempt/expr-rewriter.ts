/**
 * @module preempt/expr-rewriter
 * Walks the instructions of one function body or constant expression and copies them to the
 * output, changing only what the preemption rewrite must: function indices (two imports are
 * added in front of the defined functions), memory indices (when the flag memory is imported in
 * front of a defined memory), a check after each `loop`'s block type (placements `calls` and
 * `kill`) or, in placement `loops`, the frames and check of checks.ts `loopHead` around each
 * loop and the depth of every branch label leaving such a loop, and the `$may_yield`
 * save/clear/restore around calls that may leave the module.
 *
 * It decodes every instruction's immediates, because that is the only way to find the next
 * opcode: MVP, sign extension, saturating truncation, bulk memory and reference types (0xFC),
 * SIMD and relaxed SIMD (0xFD), threads (0xFE), tail calls, exception handling (legacy `try` /
 * `catch` / `delegate` / `rethrow`, and `try_table` / `throw_ref`), typed function references
 * and GC (0xFB). Anything else throws an Error naming the opcode and its byte offset.
 *
 * Unchanged stretches are copied as byte ranges; only the changed immediates are re-encoded.
 */

import { type ByteWriter, leb, lebEnd, readU32, skipLeb, skipValType } from "../wasm/bytes.ts";
import { KILL_CHECK_LABELS, LOOP_TAIL_LABELS } from "./checks.ts";

/** What the rewrite changes, the same for every body of one module. */
export interface RewritePlan {
  /** Function imports before the rewrite: indices below stay, the others move up by two. */
  importedFuncs: number;
  /** When true, memories at or above `importedMemories` move up by one. */
  shiftMemories: boolean;
  importedMemories: number;
  /** The check inserted as the first instruction inside every `loop`, if any. */
  loopCheck: Uint8Array | null;
  /** Placement `loops`: every `loop` is wrapped in the frames of checks.ts `loopHead`. */
  loopExit: LoopExit | null;
  /** Clear `$may_yield` around calls to imported functions. */
  wrapImportCalls: boolean;
  /** Clear it around `call_indirect` and `call_ref` too (a table may hold imports). */
  wrapIndirectCalls: boolean;
  /** The `$may_yield` global's index, LEB128-encoded. */
  mayYieldLeb: readonly number[];
}

/** The pieces of a loop's yield check (see checks.ts `loopHead`). */
export interface LoopExit {
  /** The check, first inside the loop. */
  head: Uint8Array;
  /** After the loop's `end`: the exit, the call and the re-entry. */
  tail: Uint8Array;
  /** The block type `[p*] -> [p*]` of the `$slow` block for a loop of block type `typeIndex`. */
  slowType: (typeIndex: number) => readonly number[];
}

/** Frames the rewrite inserts around each loop of placement `loops`. */
export const LOOP_FRAMES = 3;

/** The function being rewritten: where to save `$may_yield`. */
export interface BodyState {
  /** Index of the i32 local that will be appended to hold the saved flag. */
  saveLocal: number;
  /** Set when some call was wrapped, so the local must be declared. */
  usedSave: boolean;
  pre: number[] | null;
  post: number[] | null;
}

/** Function index `f` after the two `rusm:preempt` function imports are added. */
export function remapFunc(plan: RewritePlan, f: number): number {
  return f < plan.importedFuncs ? f : f + 2;
}

export class ExprRewriter {
  readonly bytes: Uint8Array;
  readonly plan: RewritePlan;
  out: ByteWriter;
  loopChecks = 0;
  /**
   * The labels the rewrite added to the last function body rewritten (besides its entry check),
   * for the name section: one entry per added label, the original label index it was inserted in
   * front of (labels count block, loop, if, try and try_table in order), ascending.
   */
  readonly insertedLabels: number[] = [];
  /** A `ref.func` named an imported function (only consulted for constant expressions). */
  sawImportedRef = false;
  /** Start of the input not yet copied to `out`. */
  #copied = 0;
  /**
   * By block depth (0: the function body), how many wrapped loops are open at that depth and
   * below, counting the one the depth opens: a branch from depth `d` to label `l` crosses
   * `wrapped[d] - wrapped[d - l]` of them, each adding {@link LOOP_FRAMES} to its depth.
   */
  #loops: Int32Array = new Int32Array(64);

  constructor(bytes: Uint8Array, plan: RewritePlan, out: ByteWriter) {
    this.bytes = bytes;
    this.plan = plan;
    this.out = out;
  }

  /**
   * Rewrites the expression at `p` up to and including its final `end` (a function body when
   * `fn` is given, else a constant expression); returns the position after that `end`.
   * `limit` bounds the scan (the end of the body or section).
   */
  expr(p: number, limit: number, fn: BodyState | null): number {
    const b = this.bytes;
    const plan = this.plan;
    const exit = fn !== null ? plan.loopExit : null;
    let depth = 0;
    let labels = 0;
    const inserted = this.insertedLabels;
    inserted.length = 0;
    let wrapped: Int32Array = this.#loops;
    wrapped[0] = 0;
    this.#copied = p;
    while (p < limit) {
      const at = p;
      const op = b[p++]!;
      switch (op) {
        case 0x0b: // end
          if (depth === 0) {
            this.out.copy(b, this.#copied, p);
            return p;
          }
          if (wrapped[depth] !== wrapped[depth - 1]) {
            this.out.copy(b, this.#copied, p);
            this.out.bytes(exit!.tail);
            this.#copied = p;
            for (let i = 0; i < LOOP_TAIL_LABELS; i++) inserted.push(labels);
          }
          depth--;
          break;
        case 0x02: // block
        case 0x04: // if
        case 0x06: // try (legacy exceptions)
          p = skipBlockType(b, p);
          if (++depth >= wrapped.length) wrapped = this.#grow();
          wrapped[depth] = wrapped[depth - 1]!;
          labels++;
          break;
        case 0x03: // loop
          p = skipBlockType(b, p);
          if (++depth >= wrapped.length) wrapped = this.#grow();
          wrapped[depth] = wrapped[depth - 1]!;
          if (exit !== null) {
            this.#wrapLoop(exit, at, p);
            wrapped[depth] = wrapped[depth]! + 1;
            for (let i = 0; i < LOOP_FRAMES; i++) inserted.push(labels);
            this.loopChecks++;
          } else if (plan.loopCheck !== null && fn !== null) {
            this.out.copy(b, this.#copied, p);
            this.out.bytes(plan.loopCheck);
            this.#copied = p;
            for (let i = 0; i < KILL_CHECK_LABELS; i++) inserted.push(labels + 1);
            this.loopChecks++;
          }
          labels++;
          break;
        case 0x1f: {
          // try_table bt vec(catch): the catch labels are relative to the enclosing block
          p = skipBlockType(b, p);
          const n = readU32(b, p);
          p = lebEnd;
          for (let i = 0; i < n; i++) {
            const kind = b[p++]!;
            if (kind > 3) throw unknown(`try_table catch kind 0x${kind.toString(16)}`, at);
            if (kind < 2) p = skipLeb(b, p); // the tag of catch / catch_ref
            p = this.#label(p, depth); // the label
          }
          if (++depth >= wrapped.length) wrapped = this.#grow();
          wrapped[depth] = wrapped[depth - 1]!;
          labels++;
          break;
        }
        case 0x18: // delegate label: ends the try; the label is relative to the enclosing block
          if (depth === 0) throw unknown("delegate outside a try", at);
          depth--;
          p = this.#label(p, depth);
          break;
        case 0x09: // rethrow label
        case 0x0c: // br
        case 0x0d: // br_if
        case 0xd5: // br_on_null
        case 0xd6: // br_on_non_null
          p = this.#label(p, depth);
          break;
        case 0x0e: {
          // br_table vec(label) label
          const n = readU32(b, p);
          p = lebEnd;
          for (let i = 0; i <= n; i++) p = this.#label(p, depth);
          break;
        }
        case 0x07: // catch tag
        case 0x08: // throw tag
        case 0x20: // local.get
        case 0x21: // local.set
        case 0x22: // local.tee
        case 0x23: // global.get
        case 0x24: // global.set
        case 0x25: // table.get
        case 0x26: // table.set
        case 0x41: // i32.const
        case 0x42: // i64.const
        case 0xd0: // ref.null heaptype
          p = skipLeb(b, p);
          break;
        case 0x10: // call
        case 0x12: {
          // return_call
          const f = readU32(b, p);
          const end = lebEnd;
          this.out.copy(b, this.#copied, at);
          if (f >= plan.importedFuncs) {
            this.out.byte(op);
            this.out.u32(f + 2);
          } else if (fn !== null && plan.wrapImportCalls) {
            this.#wrapped(fn, 0x10, at + 1, end, op === 0x12);
          } else this.out.copy(b, at, end);
          this.#copied = p = end;
          break;
        }
        case 0x11: // call_indirect type table
        case 0x13: {
          // return_call_indirect
          const end = skipLeb(b, skipLeb(b, p));
          if (fn !== null && plan.wrapIndirectCalls) {
            this.out.copy(b, this.#copied, at);
            this.#wrapped(fn, 0x11, p, end, op === 0x13);
            this.#copied = end;
          }
          p = end;
          break;
        }
        case 0x14: // call_ref type
        case 0x15: {
          // return_call_ref
          const end = skipLeb(b, p);
          if (fn !== null && plan.wrapIndirectCalls) {
            this.out.copy(b, this.#copied, at);
            this.#wrapped(fn, 0x14, p, end, op === 0x15);
            this.#copied = end;
          }
          p = end;
          break;
        }
        case 0xd2: {
          // ref.func
          const f = readU32(b, p);
          if (f < plan.importedFuncs) this.sawImportedRef = true;
          else {
            this.out.copy(b, this.#copied, p);
            this.out.u32(f + 2);
            this.#copied = lebEnd;
          }
          p = lebEnd;
          break;
        }
        case 0x1c: {
          // select vec(valtype)
          const n = readU32(b, p);
          p = lebEnd;
          for (let i = 0; i < n; i++) p = skipValType(b, p);
          break;
        }
        case 0x3f: // memory.size mem
        case 0x40: // memory.grow mem
          p = plan.shiftMemories ? this.#memIndex(p) : skipLeb(b, p);
          break;
        case 0x43: // f32.const
          p += 4;
          break;
        case 0x44: // f64.const
          p += 8;
          break;
        case 0xfb:
          p = this.#gc(p, at, depth);
          break;
        case 0xfc:
          p = this.#misc(p, at);
          break;
        case 0xfd:
          p = this.#simd(p, at);
          break;
        case 0xfe:
          p = this.#atomic(p, at);
          break;
        default:
          if (op >= 0x28 && op <= 0x3e)
            p = this.#memarg(p); // loads and stores
          else if (
            // 0x45..0xc4: numeric, no immediates; then the no-immediate control and reference ops
            !(op >= 0x45 && op <= 0xc4) &&
            op !== 0x00 && // unreachable
            op !== 0x01 && // nop
            op !== 0x05 && // else
            op !== 0x0a && // throw_ref
            op !== 0x0f && // return
            op !== 0x19 && // catch_all
            op !== 0x1a && // drop
            op !== 0x1b && // select
            op !== 0xd1 && // ref.is_null
            op !== 0xd3 && // ref.eq
            op !== 0xd4 // ref.as_non_null
          ) {
            throw unknown(`opcode 0x${op.toString(16)}`, at);
          }
      }
    }
    throw new Error(`preempt: expression at byte ${this.#copied} has no final end`);
  }

  #grow(): Int32Array {
    const next = new Int32Array(this.#loops.length * 2);
    next.set(this.#loops);
    return (this.#loops = next);
  }

  /**
   * The branch label at `p`, in a branch at block depth `depth`: moved out by the frames of the
   * wrapped loops it crosses (a branch to a wrapped loop itself does not cross its frames).
   * Returns the position after it.
   */
  #label(p: number, depth: number): number {
    const b = this.bytes;
    const wrapped = this.#loops;
    if (wrapped[depth] === 0) return skipLeb(b, p);
    const l = readU32(b, p);
    const end = lebEnd;
    if (l > depth) return end; // invalid: left for validation to reject
    const crossed = wrapped[depth]! - wrapped[depth - l]!;
    if (crossed !== 0) {
      this.out.copy(b, this.#copied, p);
      this.out.u32(l + LOOP_FRAMES * crossed);
      this.#copied = end;
    }
    return end;
  }

  /** Emits the frames and check in front of the loop whose opcode is at `at`, block type before `end`. */
  #wrapLoop(exit: LoopExit, at: number, end: number): void {
    const b = this.bytes;
    const out = this.out;
    out.copy(b, this.#copied, at);
    const t = b[at + 1]!;
    let slow: readonly number[] = EMPTY_BLOCK;
    // A type index (s33, non-negative): the loop may have parameters.
    if (!(t === 0x63 || t === 0x64 || (t >= 0x40 && t < 0x80))) {
      slow = exit.slowType(readU32(b, at + 1));
    }
    out.byte(0x02); // block $exit
    out.copy(b, at + 1, end);
    out.byte(0x03); // loop $retry
    out.copy(b, at + 1, end);
    out.byte(0x02); // block $slow
    out.bytes(slow);
    out.byte(0x03); // loop $L
    out.copy(b, at + 1, end);
    out.bytes(exit.head);
    this.#copied = end;
  }

  /**
   * Emits `$may_yield` save + clear, the call whose immediates are `[from, to)` with opcode
   * `callOp`, and the restore; a tail call becomes a call then `return`, because the restore must
   * run after the callee returns (that frame is no longer a tail call: deep mutual tail recursion
   * through an import would grow the stack).
   */
  #wrapped(fn: BodyState, callOp: number, from: number, to: number, tail: boolean): void {
    if (fn.pre === null || fn.post === null) {
      const g = this.plan.mayYieldLeb;
      const l = leb(fn.saveLocal);
      // global.get $may_yield; local.set $save; i32.const 0; global.set $may_yield
      fn.pre = [0x23, ...g, 0x21, ...l, 0x41, 0x00, 0x24, ...g];
      // local.get $save; global.set $may_yield
      fn.post = [0x20, ...l, 0x24, ...g];
    }
    fn.usedSave = true;
    this.out.bytes(fn.pre);
    this.out.byte(callOp);
    this.out.copy(this.bytes, from, to);
    this.out.bytes(fn.post);
    if (tail) this.out.byte(0x0f);
  }

  /** A memarg: align flags (bit 6: a memory index follows), [memory], offset. */
  #memarg(p: number): number {
    const b = this.bytes;
    if (!this.plan.shiftMemories) {
      const flags = b[p]!;
      p = skipLeb(b, p);
      if (flags & 0x40) p = skipLeb(b, p);
      return skipLeb(b, p);
    }
    const at = p;
    const flags = readU32(b, p);
    p = lebEnd;
    let mem = 0;
    if (flags & 0x40) {
      mem = readU32(b, p);
      p = lebEnd;
    }
    if (mem >= this.plan.importedMemories) {
      this.out.copy(b, this.#copied, at);
      this.out.u32(flags | 0x40);
      this.out.u32(mem + 1);
      this.#copied = p;
    }
    return skipLeb(b, p);
  }

  /** A memory index immediate, moved up by one when it names a defined memory. */
  #memIndex(p: number): number {
    const mem = readU32(this.bytes, p);
    if (!this.plan.shiftMemories || mem < this.plan.importedMemories) return lebEnd;
    this.out.copy(this.bytes, this.#copied, p);
    this.out.u32(mem + 1);
    this.#copied = lebEnd;
    return lebEnd;
  }

  /** 0xFC: saturating truncation, bulk memory, table ops. */
  #misc(p: number, at: number): number {
    const b = this.bytes;
    const sub = readU32(b, p);
    p = lebEnd;
    if (sub <= 7) return p; // *.trunc_sat_*
    switch (sub) {
      case 8: // memory.init data mem
        return this.#memIndex(skipLeb(b, p));
      case 10: // memory.copy mem mem
        return this.#memIndex(this.#memIndex(p));
      case 11: // memory.fill mem
        return this.#memIndex(p);
      case 9: // data.drop
      case 13: // elem.drop
      case 15: // table.grow
      case 16: // table.size
      case 17: // table.fill
        return skipLeb(b, p);
      case 12: // table.init elem table
      case 14: // table.copy table table
        return skipLeb(b, skipLeb(b, p));
      default:
        throw unknown(`opcode 0xfc ${sub}`, at);
    }
  }

  /** 0xFD: SIMD and relaxed SIMD. */
  #simd(p: number, at: number): number {
    const sub = readU32(this.bytes, p);
    p = lebEnd;
    if (sub <= 11) return this.#memarg(p); // v128.load*, v128.store
    if (sub === 12 || sub === 13) return p + 16; // v128.const, i8x16.shuffle
    if (sub <= 20) return p; // swizzle, splats
    if (sub <= 34) return p + 1; // extract/replace_lane: a lane index
    if (sub <= 83) return p;
    if (sub <= 91) return this.#memarg(p) + 1; // load/store_lane: memarg, lane
    if (sub <= 93) return this.#memarg(p); // load32_zero, load64_zero
    if (sub <= 0x113) return p; // arithmetic, conversions, relaxed SIMD
    throw unknown(`opcode 0xfd ${sub}`, at);
  }

  /** 0xFE: threads (atomics). */
  #atomic(p: number, at: number): number {
    const sub = readU32(this.bytes, p);
    p = lebEnd;
    if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) return this.#memarg(p); // notify, wait, rmw
    if (sub === 3) return p + 1; // atomic.fence 0x00
    throw unknown(`opcode 0xfe ${sub}`, at);
  }

  /** 0xFB: GC (structs, arrays, casts, i31). */
  #gc(p: number, at: number, depth: number): number {
    const b = this.bytes;
    const sub = readU32(b, p);
    p = lebEnd;
    switch (sub) {
      case 0: // struct.new t
      case 1: // struct.new_default t
      case 6: // array.new t
      case 7: // array.new_default t
      case 11: // array.get t
      case 12: // array.get_s t
      case 13: // array.get_u t
      case 14: // array.set t
      case 16: // array.fill t
      case 20: // ref.test ht
      case 21: // ref.test null ht
      case 22: // ref.cast ht
      case 23: // ref.cast null ht
        return skipLeb(b, p);
      case 2: // struct.get t field
      case 3:
      case 4:
      case 5: // struct.set t field
      case 8: // array.new_fixed t n
      case 9: // array.new_data t data
      case 10: // array.new_elem t elem
      case 17: // array.copy t t
      case 18: // array.init_data t data
      case 19: // array.init_elem t elem
        return skipLeb(b, skipLeb(b, p));
      case 24: // br_on_cast flags label ht ht
      case 25: // br_on_cast_fail
        return skipLeb(b, skipLeb(b, this.#label(p + 1, depth)));
      case 15: // array.len
      case 26: // any.convert_extern
      case 27: // extern.convert_any
      case 28: // ref.i31
      case 29: // i31.get_s
      case 30: // i31.get_u
        return p;
      default:
        throw unknown(`opcode 0xfb ${sub}`, at);
    }
  }
}

const EMPTY_BLOCK: readonly number[] = [0x40];

/** A block type: empty (0x40), a value type, or a type index (s33). */
function skipBlockType(b: Uint8Array, p: number): number {
  const t = b[p]!;
  if (t === 0x63 || t === 0x64) return skipLeb(b, p + 1);
  if (t >= 0x40 && t < 0x80) return p + 1;
  return skipLeb(b, p);
}

function unknown(what: string, at: number): Error {
  return new Error(`preempt: unknown ${what} at byte offset ${at}`);
}
