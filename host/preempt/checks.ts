/**
 * @module preempt/checks
 * The instruction sequences the preemption rewriter inserts, as bytes. Each is stack-neutral
 * (it pops what it pushes), so it is valid at the start of any block, whatever the block's
 * parameters and results.
 */

import { leb } from "./bytes.ts";

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
