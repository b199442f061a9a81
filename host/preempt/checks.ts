/**
 * @module preempt/checks
 * The instruction sequences the preemption rewriter inserts, as bytes. The yield check at
 * function entries and the kill check are stack-neutral (each pops what it pushes), so they are
 * valid at the start of any block, whatever the block's parameters and results. The yield check
 * at loop headers ({@link loopHead}) keeps its call out of the loop: it is split around the
 * loop, which the rewriter wraps in three frames.
 */

import { leb } from "../wasm/bytes.ts";

/** Labels (`if`s) each sequence opens, which move the label indices of the name section. */
export const YIELD_CHECK_LABELS = 2;
export const KILL_CHECK_LABELS = 1;
export const LOOP_TAIL_LABELS = 1;

/** Global and function indices the checks refer to, in the rewritten module. */
export interface CheckIndices {
  fuelGlobal: number;
  mayYieldGlobal: number;
  tickFunc: number;
  yieldFunc: number;
  /** Index of the imported `flag` memory; only used by kill checks. */
  flagMemory: number;
}

/**
 * The yield check:
 *
 * ```wat
 * global.get $fuel
 * i32.const 1
 * i32.sub
 * global.set $fuel
 * global.get $fuel
 * i32.const 0
 * i32.le_s
 * if
 *   global.get $may_yield
 *   if (result i32)
 *     call $yield  ;; may suspend (WebAssembly.Suspending); returns the new fuel
 *   else
 *     call $tick   ;; plain JS: may throw (a trap); returns the new fuel
 *   end
 *   global.set $fuel
 * end
 * ```
 */
export function yieldCheck(ix: CheckIndices): Uint8Array {
  const fuel = leb(ix.fuelGlobal);
  return Uint8Array.from([
    ...[0x23, ...fuel, 0x41, 0x01, 0x6b, 0x24, ...fuel],
    ...[0x23, ...fuel, 0x41, 0x00, 0x4c, 0x04, 0x40],
    ...[0x23, ...leb(ix.mayYieldGlobal), 0x04, 0x7f],
    ...[0x10, ...leb(ix.yieldFunc), 0x05, 0x10, ...leb(ix.tickFunc), 0x0b],
    ...[0x24, ...fuel, 0x0b],
  ]);
}

/**
 * The yield check at a loop header (placement `loops`), in two parts, so that the loop body
 * holds no call: a call in a loop, even one never taken, makes V8's code for the loop about
 * twice as slow (scripts/bench/preempt). For `loop $L (bt) BODY end`, with bt = [p*] -> [r*],
 * the rewriter (expr-rewriter.ts) emits:
 *
 * ```wat
 * block $exit (bt)             ;; [p*] -> [r*]
 *   loop $retry (bt)
 *     block $slow ([p*] -> [p*]) ;; empty when p* is empty; else a type the rewrite adds
 *       loop $L (bt)
 *         ;; loopHead:
 *         global.get $fuel  i32.const 1  i32.sub  global.set $fuel
 *         global.get $fuel  i32.const 0  i32.le_s
 *         br_if $slow         ;; carries p* out
 *         BODY                ;; branches leaving $L: depth + 3
 *       end
 *       ;; loopTail:
 *       br $exit              ;; r*
 *     end
 *     global.get $may_yield
 *     if (result i32) call $yield else call $tick end  ;; as in yieldCheck
 *     i32.const 1  i32.add  global.set $fuel
 *     br $retry             ;; p*: re-enter the loop, whose check runs again
 *   end
 * end
 * ```
 *
 * The `+ 1` pays for the check that runs again on re-entry, so fuel counts as with
 * {@link yieldCheck}: after `tick` or `yield` returns F, F - 1 more checks pass and the next one
 * calls. It also keeps a fuel of 1 from looping between the check and the call; a `tick` or
 * `yield` returning 0 or less is called again before the body runs (the host returns at least
 * 64: runtime.ts).
 *
 * Unlike the other checks this one is not stack-neutral on its own (the frames around the loop
 * keep the types): `br_if $slow` carries the loop's parameters out, `br $retry` back in. The
 * `$may_yield` discipline is unchanged: the call runs in the same function, between the same
 * instructions of the guest.
 */
export function loopHead(ix: CheckIndices): Uint8Array {
  const fuel = leb(ix.fuelGlobal);
  return Uint8Array.from([
    ...[0x23, ...fuel, 0x41, 0x01, 0x6b, 0x24, ...fuel],
    ...[0x23, ...fuel, 0x41, 0x00, 0x4c, 0x0d, 0x01],
  ]);
}

/** What follows the `end` of a loop with a {@link loopHead}: see there. */
export function loopTail(ix: CheckIndices): Uint8Array {
  return Uint8Array.from([
    ...[0x0c, 0x02, 0x0b],
    ...[0x23, ...leb(ix.mayYieldGlobal), 0x04, 0x7f],
    ...[0x10, ...leb(ix.yieldFunc), 0x05, 0x10, ...leb(ix.tickFunc), 0x0b],
    ...[0x41, 0x01, 0x6a, 0x24, ...leb(ix.fuelGlobal), 0x0c, 0x00, 0x0b, 0x0b],
  ]);
}

/**
 * The kill check: `i32.const 0; i32.load (memory $flag) offset=0; if; unreachable; end`. The
 * watchdog thread stores nonzero at address 0 of the shared flag memory to stop a running
 * process; a plain load suffices, because V8 does not keep a memory load in a register across
 * a loop's back edge (the worker test in instrument.test.ts stops a spin this way).
 */
export function killCheck(ix: CheckIndices): Uint8Array {
  // Alignment 2 (4 bytes); bit 6 of the flags says a memory index follows (multi-memory).
  const memarg = ix.flagMemory === 0 ? [0x02] : [0x42, ...leb(ix.flagMemory)];
  return Uint8Array.from([0x41, 0x00, 0x28, ...memarg, 0x00, 0x04, 0x40, 0x00, 0x0b]);
}

/**
 * The body of an entry wrapper for a function of `params` parameters at index `target`: it sets
 * `$may_yield` to 1 around the call and restores it, returning the call's results.
 *
 * ```wat
 * (local $saved i32)
 * global.get $may_yield  local.set $saved
 * i32.const 1  global.set $may_yield
 * local.get 0 ... local.get (params - 1)
 * call $target
 * local.get $saved  global.set $may_yield
 * ```
 */
export function entryWrapperBody(params: number, target: number, ix: CheckIndices): Uint8Array {
  const g = leb(ix.mayYieldGlobal);
  const saved = leb(params);
  const body: number[] = [0x01, 0x01, 0x7f]; // one local group: 1 × i32
  body.push(0x23, ...g, 0x21, ...saved, 0x41, 0x01, 0x24, ...g);
  for (let i = 0; i < params; i++) body.push(0x20, ...leb(i));
  body.push(0x10, ...leb(target), 0x20, ...saved, 0x24, ...g, 0x0b);
  return Uint8Array.from(body);
}
