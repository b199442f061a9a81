/**
 * @module preempt/fixtures.test-support
 * WAT modules for the preemption rewriter's tests, and helpers to instantiate a rewritten module
 * with counting `tick` / `yield` imports.
 */

import { parse } from "@bytecodealliance/jco";

import { instrumentModule, PREEMPT_MODULE, type Placement } from "./instrument.ts";

export const PLACEMENTS: readonly Placement[] = ["loops", "calls", "kill"];

/**
 * One module touching everything the rewrite remaps: imported and defined functions, a defined
 * memory with an active data segment and every memory instruction, an exported table filled by
 * an element segment (incl. an import), a second table filled by an expression segment, a `ref.func` global initializer, a start function,
 * nested loops with block parameters and results, direct, indirect and tail calls (to defined
 * and imported functions), a multi-value export and a name section.
 */
export const KITCHEN_SINK = `
(module
  (type $i2i (func (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "seven" (func $seven (result i32)))
  (memory $mem (export "memory") 1 4)
  (table $tab (export "table") 4 funcref)
  (global $started (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $double))
  (elem (i32.const 0) func $double $square $seven)
  (elem declare func $id)
  (table $exprs 2 funcref)
  (elem (table $exprs) (i32.const 0) funcref (ref.func $square) (ref.null func))
  (data (i32.const 16) "\\2a\\00\\00\\00")
  (start $init)
  (func $init (global.set $started (i32.const 1)))
  (func $id (param i32) (result i32) (local.get 0))
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $i2i) (i32.mul (local.get 0) (local.get 0)))
  (func $tail_double (param i32) (result i32) (return_call $double (local.get 0)))
  (func $tail_seven (result i32) (return_call $seven))
  (func $tail_indirect (param i32) (result i32)
    (return_call_indirect $tab (type $i2i) (local.get 0) (i32.const 1)))
  ;; sum of i*i for i in [0, n), through nested loops with block params and results
  (func $sum_squares (export "sumSquares") (param $n i32) (result i32)
    (local $i i32)
    (i32.const 0)
    (loop $outer (param i32) (result i32)
      (block $skip (param i32) (result i32)
        (br_if $skip (i32.ge_u (local.get $i) (local.get $n)))
        (call_indirect $tab (type $i2i) (local.get $i) (i32.const 1))
        (i32.add)
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer))))
  (func $memory_ops (export "memoryOps") (result i32)
    (local $before i32)
    (local.set $before (memory.size))
    (drop (memory.grow (i32.const 1)))
    (memory.fill (i32.const 100) (i32.const 5) (i32.const 4))
    (memory.copy (i32.const 200) (i32.const 16) (i32.const 4))
    (i32.store offset=4 (i32.const 200) (i32.load8_u (i32.const 101)))
    (i32.add (i32.load (i32.const 200)) (i32.load offset=4 (i32.const 200)))
    (i32.add (i32.mul (local.get $before) (i32.const 1000)))
    (i32.add (i32.mul (memory.size) (i32.const 100))))
  (func $calls (export "calls") (param $x i32) (result i32)
    (call $log (local.get $x))
    (i32.add (call $tail_double (local.get $x)) (call $tail_seven))
    (i32.add (call $tail_indirect (local.get $x)))
    (i32.add (call_ref $i2i (local.get $x) (ref.func $id)))
    (i32.add (call_ref $i2i (local.get $x) (ref.cast (ref $i2i) (global.get $fref))))
    (i32.add (call_indirect $tab (type $i2i) (local.get $x) (i32.const 0)))
    (i32.add (call_indirect $exprs (type $i2i) (local.get $x) (i32.const 0))))
  (func $multi (export "multi") (param i32 i64) (result i64 i32)
    (local.get 1) (local.get 0))
  (func (export "started") (result i32) (global.get $started))
  (func $boom (export "boom") unreachable))
`;

/** Exports that compute with loops and calls; the rewrite must not change their results. */
export const COMPUTE = `
(module
  (func $fib (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func $collatz (param $n i64) (result i32) (local $steps i32)
    (loop $step
      (if (i64.ne (local.get $n) (i64.const 1))
        (then
          (local.set $n
            (if (result i64) (i64.eqz (i64.rem_u (local.get $n) (i64.const 2)))
              (then (i64.div_u (local.get $n) (i64.const 2)))
              (else (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
          (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
          (br $step))))
    (local.get $steps))
  (func (export "collatzSum") (param $limit i32) (result i32) (local $i i32) (local $sum i32)
    (local.set $i (i32.const 1))
    (loop $each
      (local.set $sum
        (i32.add (local.get $sum) (call $collatz (i64.extend_i32_u (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.le_u (local.get $i) (local.get $limit))))
    (local.get $sum)))
`;

/**
 * Spinning exports: `spin` loops forever; `entry` (the promising export) spins `n` iterations,
 * calls the imported `js.reenter` (which may call back into `inner`), calls it again through
 * the table, then spins again; `inner` spins `n` iterations.
 */
export const SPINNER = `
(module
  (import "js" "reenter" (func $reenter))
  (table 1 funcref)
  (elem (i32.const 0) func $reenter)
  (func (export "spin") (loop $forever (br $forever)))
  (func $count (param $n i32)
    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "inner") (param $n i32) (call $count (local.get $n)))
  (func (export "entry") (param $n i32)
    (call $count (local.get $n))
    (call $reenter)
    (call_indirect (i32.const 0))
    (call $count (local.get $n))))
`;

export async function wat(text: string): Promise<Uint8Array> {
  return parse(text);
}

/** Counters and knobs of the `tick` / `yield` imports given to a rewritten module. */
export interface PreemptHost {
  ticks: number;
  yields: number;
  /** The fuel `tick` and `yield` return. */
  fuel: number;
  /** `tick` throws once it has been called this many times. */
  tickLimit: number;
  flag: WebAssembly.Memory;
  imports: Record<string, Record<string, unknown>>;
}

/** `tick` counts (and throws past `tickLimit`); `yield` is what `makeYield` returns. */
export function preemptHost(makeYield?: (host: PreemptHost) => () => unknown): PreemptHost {
  const host: PreemptHost = {
    ticks: 0,
    yields: 0,
    fuel: 1000,
    tickLimit: Infinity,
    flag: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }),
    imports: {},
  };
  const plainYield = (): number => {
    host.yields++;
    return host.fuel;
  };
  host.imports[PREEMPT_MODULE] = {
    tick: () => {
      if (++host.ticks >= host.tickLimit) throw new Error(`tick limit ${host.tickLimit}`);
      return host.fuel;
    },
    yield: makeYield ? makeYield(host) : plainYield,
    flag: host.flag,
  };
  return host;
}

/** Rewrites `bytes`, with `entry` exports as the promising ones. */
export function rewrite(bytes: Uint8Array, placement: Placement, entry: string[] = []): Uint8Array {
  return instrumentModule(bytes, { placement, entryExport: (name) => entry.includes(name) }).bytes;
}

/** Instantiates `bytes` with the host's imports plus `extra`. */
export function instantiate(
  bytes: Uint8Array,
  host: PreemptHost,
  extra: Record<string, Record<string, unknown>> = {},
): WebAssembly.Exports {
  const module = new WebAssembly.Module(bytes);
  const imports: Record<string, Record<string, unknown>> = { ...extra };
  // A module only gets `flag` in placements `calls` and `kill`.
  const wanted = WebAssembly.Module.imports(module).filter((i) => i.module === PREEMPT_MODULE);
  imports[PREEMPT_MODULE] = Object.fromEntries(
    wanted.map((i) => [i.name, host.imports[PREEMPT_MODULE]![i.name]!]),
  );
  return new WebAssembly.Instance(module, imports).exports;
}
