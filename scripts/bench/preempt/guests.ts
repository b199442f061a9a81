/**
 * @module scripts/bench/preempt/guests
 * The compute-heavy WAT functions the preemption bench runs, each ~100 ms uninstrumented here:
 * a tight loop calling a small function, a sieve (nested loops over memory) and a bytecode
 * dispatch loop (a `br_table` per step, the shape of SpiderMonkey's interpreter loop).
 */

/** One bench function: its module text, export name and argument. */
export interface ComputeGuest {
  name: string;
  wat: string;
  arg: number;
}

export const GUESTS: readonly ComputeGuest[] = [
  {
    name: "loop+call",
    arg: 150_000_000,
    wat: `
(module
  (func $mix (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 1103515245)) (i32.const 12345)))
  (func (export "run") (param $n i32) (result i32) (local $x i32)
    (loop $l
      (local.set $x (call $mix (local.get $x)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $x)))`,
  },
  {
    name: "sieve",
    arg: 12,
    wat: `
(module
  (memory 32)
  ;; primes below 2,000,000 (one byte per number), counted, $rounds times
  (func (export "run") (param $rounds i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (loop $round
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 2000000))
      (local.set $count (i32.const 0))
      (local.set $i (i32.const 2))
      (loop $outer
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $done
              (loop $inner
                (br_if $done (i32.ge_u (local.get $j) (i32.const 2000000)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (i32.const 2000000))))
      (br_if $round (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))))
    (local.get $count)))`,
  },
  {
    name: "dispatch",
    arg: 60_000_000,
    wat: `
(module
  (memory 1)
  ;; 256 one-byte "bytecodes" 0..3 at address 0, run in a circle for $steps steps
  (func (export "run") (param $steps i32) (result i32)
    (local $pc i32) (local $acc i32) (local $i i32)
    (loop $fill
      (i32.store8 (local.get $i) (i32.and (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)))
      (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (loop $step
      (block $next
        (block $op3
          (block $op2
            (block $op1
              (block $op0
                (br_table $op0 $op1 $op2 $op3 (i32.load8_u (local.get $pc))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
              (br $next))
            (local.set $acc (i32.xor (local.get $acc) (i32.const 0x5a5a)))
            (br $next))
          (local.set $acc (i32.rotl (local.get $acc) (i32.const 5)))
          (br $next))
        (local.set $acc (i32.sub (local.get $acc) (local.get $pc))))
      (local.set $pc (i32.and (i32.add (local.get $pc) (i32.const 1)) (i32.const 255)))
      (br_if $step (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
    (local.get $acc)))`,
  },
];
