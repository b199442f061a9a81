/**
 * Placement `loops` wraps every loop in three frames so that its yield check's call sits
 * outside the loop (checks.ts `loopHead`): branches leaving a loop move out, loops with
 * parameters get a `[p*] -> [p*]` block type, label names move. Each module here is compared
 * with its uninstrumented self at fuels small enough that the slow path (out of the loop, call,
 * back in) runs on most iterations.
 */

import { print } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";

import { readU32, lebEnd } from "../wasm/bytes.ts";
import { instantiate, PLACEMENTS, preemptHost, rewrite, wat } from "./fixtures.test-support.ts";
import { instrumentModule } from "./instrument.ts";

type Fn = (...args: unknown[]) => unknown;

/** Fuels `tick` returns: 1 makes every loop header take the slow path. */
const FUELS = [1, 2, 3, 7, 1000];

/**
 * Rewrites `text` in placement `loops`, checks that it validates, and that every call in
 * `cases` returns what the original returns, at every fuel in {@link FUELS}, calling `tick`.
 */
async function sameResults(text: string, cases: [string, unknown[]][]): Promise<Uint8Array> {
  const bytes = await wat(text);
  const out = rewrite(bytes, "loops");
  expect(WebAssembly.validate(out)).toBe(true);
  for (const placement of ["calls", "kill"] as const) {
    expect(WebAssembly.validate(rewrite(bytes, placement)), placement).toBe(true);
  }
  const original = instantiate(bytes, preemptHost());
  for (const fuel of FUELS) {
    const host = preemptHost();
    host.fuel = fuel;
    const rewritten = instantiate(out, host);
    for (const [name, args] of cases) {
      const want = (original[name] as Fn)(...args);
      expect(
        (rewritten[name] as Fn)(...args),
        `${name}(${args.join(", ")}) at fuel ${fuel}`,
      ).toEqual(want);
    }
    expect(host.ticks, `fuel ${fuel}`).toBeGreaterThan(0);
  }
  return out;
}

/** The number of types in a module's type section. */
function typeCount(bytes: Uint8Array): number {
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p]!;
    const size = readU32(bytes, p + 1);
    if (id === 1) return readU32(bytes, lebEnd);
    p = lebEnd + size;
  }
  return 0;
}

describe("placement loops: the frames around loops", () => {
  it("keeps branches from inner loops to outer blocks and loops", async () => {
    await sameResults(
      `(module
        (func (export "nested") (param $n i32) (result i32)
          (local $i i32) (local $j i32) (local $acc i32)
          (block $done
            (loop $outer
              (local.set $j (i32.const 0))
              (block $skip
                (loop $inner
                  (br_if $done (i32.gt_u (local.get $acc) (i32.const 100000)))
                  (local.set $acc
                    (i32.add (local.get $acc) (i32.add (i32.mul (local.get $i) (local.get $j)) (i32.const 1))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (if (i32.eq (local.get $j) (i32.const 5))
                    (then
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br_if $outer (i32.lt_u (local.get $i) (local.get $n)))
                      (br $done)))
                  (br_if $skip (i32.gt_u (local.get $j) (local.get $i)))
                  (loop $third
                    (if (i32.eq (i32.and (local.get $acc) (i32.const 7)) (i32.const 3))
                      (then (return (i32.const -1))))
                    (br_if $inner (i32.and (local.get $acc) (i32.const 1)))
                    (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                    (br_if $outer (i32.eq (i32.and (local.get $acc) (i32.const 6)) (i32.const 6)))
                    (br_if $third (i32.and (local.get $acc) (i32.const 8)))
                    (br 2)))) ;; $skip, as a number: crosses the frames of $inner and $third
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $outer (i32.lt_u (local.get $i) (local.get $n)))))
          (local.get $acc)))`,
      [0, 1, 2, 5, 40, 400].map((n) => ["nested", [n]]),
    );
  });

  it("moves every label of a br_table, with and without a value", async () => {
    await sameResults(
      `(module
        (func (export "table") (param $n i32) (result i32)
          (local $acc i32) (local $k i32)
          (block $end
            (loop $outer
              (local.set $k (i32.const 0))
              (loop $inner
                (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (local.get $k)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br_table $inner $inner $outer $end
                  (select (i32.const 3) (i32.rem_u (local.get $k) (i32.const 3)) (i32.eqz (local.get $n)))))))
          (local.get $acc))
        (func (export "tableValue") (param $n i32) (result i32)
          (local $i i32)
          (i32.add (i32.const 1000)
            (block $neg (result i32)
              (i32.add (i32.const 100)
                (block $big (result i32)
                  (loop $l
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $l (i32.lt_u (local.get $i) (local.get $n)))
                    (br_table $big $neg 3 (local.get $i) (i32.rem_u (local.get $n) (i32.const 3))))
                  unreachable))))))`,
      [
        ...[1, 2, 10, 100].map((n): [string, unknown[]] => ["table", [n]]),
        ...[3, 4, 5, 30, 31, 32].map((n): [string, unknown[]] => ["tableValue", [n]]),
      ],
    );
  });

  it("keeps loops with parameters and results, adding each [p*] -> [p*] type once", async () => {
    const text = `(module
      (type $pair (func (param i32 i64) (result i32 i64)))
      ;; [i32 i64] -> [i64]: $slow reuses $pair
      (func (export "params") (param $n i32) (result i64)
        (local $k i32) (local $acc i64)
        (local.get $n) (i64.const 0)
        (loop $l (param i32 i64) (result i64)
          (local.set $acc) (local.set $k)
          (if (result i64) (i32.eqz (local.get $k))
            (then (local.get $acc))
            (else
              (i32.sub (local.get $k) (i32.const 1))
              (i64.add (i64.mul (local.get $acc) (i64.const 31)) (i64.extend_i32_u (local.get $k)))
              (br $l)))))
      ;; (result i32): no parameters, $slow is empty
      (func (export "single") (param $n i32) (result i32)
        (local $s i32)
        (loop $l (result i32)
          (local.set $s (i32.add (local.get $s) (local.get $n)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))
          (local.get $s)))
      ;; [i32] -> [i32]: $slow has the loop's own type
      (func (export "same") (param $n i32) (result i32)
        (local $s i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (local.set $s (i32.add (local.get $s) (i32.const 2)))
          (i32.sub (i32.const 1))
          (local.tee $n)
          (br_if $l (local.get $n))))
      ;; [f64 i32] -> [f64] and [f64 i32] -> [i32], and the module has no [f64 i32] -> [f64 i32]:
      ;; it is added once
      (func (export "added") (param $n i32) (result f64)
        (f64.const 0.5) (local.get $n)
        (loop $l (param f64 i32) (result f64)
          (if (param f64 i32) (result f64) (i32.eqz (local.get $n))
            (then (drop))
            (else
              (local.set $n)
              (f64.add (f64.const 1.25))
              (i32.sub (local.get $n) (i32.const 1))
              (br $l)))))
      (func (export "added2") (param $n i32) (result i32)
        (f64.const 1) (local.get $n)
        (loop $l (param f64 i32) (result i32)
          (local.set $n) (drop)
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (f64.const 2) (local.get $n)
          (br_if $l (i32.gt_s (local.get $n) (i32.const 0)))
          (local.set $n) (drop) (local.get $n))))`;
    const out = await sameResults(text, [
      ["params", [0]],
      ["params", [9]],
      ["single", [12]],
      ["same", [5]],
      ["added", [0]],
      ["added", [6]],
      ["added2", [4]],
    ]);
    const bytes = await wat(text);
    // + tick's () -> i32, + one [f64 i32] -> [f64 i32]
    expect(typeCount(out)).toBe(typeCount(bytes) + 2);
  });

  it("moves try_table catch labels, and legacy delegate and rethrow labels", async () => {
    await sameResults(
      `(module
        (tag $e (param i32))
        (tag $stop (param i32))
        (func $thrower (param i32) (throw $e (local.get 0)))
        (func (export "tryTable") (param $n i32) (result i32)
          (local $i i32) (local $sum i32)
          (block $caught (result i32)
            (loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (local.set $sum (i32.add (local.get $sum)
                (block $inner (result i32)
                  (try_table (catch $stop $caught) (catch $e $inner)
                    (if (i32.ge_u (local.get $i) (local.get $n)) (then (throw $stop (i32.const 1000))))
                    (call $thrower (local.get $i)))
                  (i32.const 0))))
              (br $l))
            (unreachable))
          (i32.add (local.get $sum)))
        (func (export "delegate") (param $n i32) (result i32)
          (local $i i32) (local $sum i32)
          try $outer (result i32)
            loop $l
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              try
                (call $thrower (local.get $i))
              catch $e
                (local.set $sum (i32.add (local.get $sum)))
              end
              try
                (if (i32.ge_u (local.get $i) (local.get $n)) (then (call $thrower (i32.const 500))))
              delegate $outer
              br $l
            end
            unreachable
          catch $e
            (i32.add (local.get $sum))
          end)
        (func (export "rethrow") (param $n i32) (result i32)
          try (result i32)
            try $t
              (call $thrower (local.get $n))
            catch $e
              drop
              loop $r
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br_if $r (i32.gt_s (local.get $n) (i32.const 0)))
                (rethrow $t)
              end
            end
            (i32.const 0)
          catch $e
          end))`,
      [
        ["tryTable", [1]],
        ["tryTable", [20]],
        ["delegate", [1]],
        ["delegate", [20]],
        ["rethrow", [5]],
      ],
    );
  });

  it("moves br_on_cast and br_on_null labels", async () => {
    await sameResults(
      `(module
        (type $s (struct (field i32)))
        (func (export "cast") (param $n i32) (result i32)
          (local $r anyref) (local $i i32)
          (local.set $r (struct.new $s (local.get $n)))
          (struct.get $s 0
            (block $out (result (ref $s))
              (loop $l
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $l (i32.lt_u (local.get $i) (i32.const 10)))
                (drop (br_on_cast $out anyref (ref $s) (local.get $r)))
                (br $l))
              (unreachable)))
          (i32.add (local.get $i)))
        (func (export "null") (param $n i32) (result i32)
          (block $null
            (loop $l
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $l (i32.and (local.get $n) (i32.const 3)))
              (drop (br_on_null $null (ref.null any)))
              (br $l)))
          (local.get $n)))`,
      [
        ["cast", [5]],
        ["null", [1]],
      ],
    );
  });

  it.each(PLACEMENTS)("keeps label names on the labels they named (%s)", async (placement) => {
    const bytes = await wat(`(module
      (func (export "f") (param $n i32)
        (block $done
          (loop $outer
            (if (local.get $n) (then (nop)))
            (loop $inner
              (br_if $done (i32.eqz (local.get $n)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $inner (i32.and (local.get $n) (i32.const 1)))
              (br $outer))))))`);
    const text = await print(rewrite(bytes, placement));
    expect(text).toMatch(/^\s*block \$done$/m);
    expect(text).toMatch(/^\s*loop \$outer$/m);
    expect(text).toMatch(/^\s*loop \$inner$/m);
    // Each branch still reaches the label it named.
    expect(text).toMatch(/br_if \$done/);
    expect(text).toMatch(/br_if \$inner/);
    expect(text).toMatch(/br \$outer/);
    // The guest's, the entry check's and each loop's (its slow path's, or its kill check's).
    const entry = placement === "kill" ? 1 : 2;
    expect(text.match(/^\s*if\b/gm)?.length).toBe(1 + entry + 2);
  });

  it("counts one yield check per loop and adds no type for loops without parameters", async () => {
    const bytes = await wat(`(module
      (func (export "f") (loop (loop (br 1))) (loop (result i32) (i32.const 1)) (drop)))`);
    const out = instrumentModule(bytes, { placement: "loops", entryExport: () => false });
    expect(out).toMatchObject({ yieldChecks: 1 + 3, killChecks: 0 });
    expect(WebAssembly.validate(out.bytes)).toBe(true);
    expect(typeCount(out.bytes)).toBe(typeCount(bytes) + 1);
  });
});
