import { describe, expect, it } from "vitest";

import {
  COMPUTE,
  instantiate,
  KITCHEN_SINK,
  PLACEMENTS,
  preemptHost,
  rewrite,
  wat,
} from "./fixtures.test-support.ts";
import { instrumentModule, PREEMPT_MODULE } from "./instrument.ts";

const sink = await wat(KITCHEN_SINK);
const env = (log: number[] = []) => ({
  env: { log: (x: number) => void log.push(x), seven: () => 7 },
});

type Fn = (...args: unknown[]) => unknown;
/** The parts of the JS API host/wasm-api.d.ts leaves out. */
type Table = { get(index: number): unknown };
const customSections = (
  WebAssembly.Module as unknown as {
    customSections(this: void, module: WebAssembly.Module, name: string): ArrayBuffer[];
  }
).customSections;

describe("instrumentModule: the rewritten module", () => {
  it.each(PLACEMENTS)("validates and keeps every export's result (%s)", (placement) => {
    const original = instantiate(sink, preemptHost(), env());
    const out = rewrite(sink, placement, ["calls"]);
    expect(WebAssembly.validate(out)).toBe(true);
    const log: number[] = [];
    const rewritten = instantiate(out, preemptHost(), env(log));
    const cases = [
      ["sumSquares", [4], 14],
      ["calls", [3], 46],
      ["memoryOps", [], 1247], // grows the memory: called once per instance
      ["multi", [5, 9n], [9n, 5]],
      ["started", [], 1],
    ] as const;
    for (const [name, args, value] of cases) {
      const got = (rewritten[name] as Fn)(...args);
      expect(got, name).toEqual((original[name] as Fn)(...args));
      expect(got, name).toEqual(value);
    }
    expect(log).toEqual([3]);
    // The defined memory is still the exported one (not the flag), with its data and growth.
    const memory = rewritten.memory as WebAssembly.Memory;
    expect(memory.buffer.byteLength).toBe(2 * 65_536);
    expect(new Uint8Array(memory.buffer)[16]).toBe(42);
    // The exported table holds the same functions.
    const table = rewritten.table as Table;
    expect((table.get(1) as Fn)(5)).toBe(25);
    expect((table.get(2) as Fn)()).toBe(7);
  });

  it("adds tick and yield imports, and the flag memory only for calls and kill", () => {
    const added = (placement: (typeof PLACEMENTS)[number]) =>
      WebAssembly.Module.imports(new WebAssembly.Module(rewrite(sink, placement)))
        .filter((i) => i.module === PREEMPT_MODULE)
        .map((i) => `${i.name}:${i.kind}`);
    expect(added("loops")).toEqual(["tick:function", "yield:function"]);
    expect(added("calls")).toEqual(["tick:function", "yield:function", "flag:memory"]);
    expect(added("kill")).toEqual(["tick:function", "yield:function", "flag:memory"]);
  });

  it("counts the checks it inserts", () => {
    // 13 defined functions; one loop (in sumSquares).
    const functions = 13;
    const loops = instrumentModule(sink, { placement: "loops", entryExport: () => false });
    expect(loops).toMatchObject({ yieldChecks: functions + 1, killChecks: 0 });
    const calls = instrumentModule(sink, { placement: "calls", entryExport: () => false });
    expect(calls).toMatchObject({ yieldChecks: functions, killChecks: 1 });
    const kill = instrumentModule(sink, { placement: "kill", entryExport: () => false });
    expect(kill).toMatchObject({ yieldChecks: 0, killChecks: functions + 1 });
  });

  it.each(PLACEMENTS)("remaps the name section, so traces name the right function (%s)", (p) => {
    const exports = instantiate(rewrite(sink, p, ["boom"]), preemptHost(), env());
    let stack = "";
    try {
      (exports.boom as Fn)();
    } catch (err) {
      stack = (err as Error).stack ?? "";
    }
    expect(stack).toMatch(/at boom \(/);
    // Placement kill has no yield checks, so no entry wrappers.
    if (p !== "kill") expect(stack).toMatch(/at preempt_entry:boom \(/);
  });

  it("keeps other custom sections byte for byte", () => {
    const section = [0x00, 0x0a, 0x05, ...Buffer.from("hello"), 1, 2, 3, 4];
    const withCustom = Uint8Array.from([...sink, ...section]);
    const out = rewrite(withCustom, "calls");
    const found = customSections(new WebAssembly.Module(out), "hello");
    expect(found.map((b) => [...new Uint8Array(b)])).toEqual([[1, 2, 3, 4]]);
  });

  it.each(PLACEMENTS)("keeps computing exports' results (%s)", async (placement) => {
    const bytes = await wat(COMPUTE);
    const before = instantiate(bytes, preemptHost());
    const host = preemptHost();
    host.fuel = 7; // small, so checks run out often and call tick
    const after = instantiate(rewrite(bytes, placement, ["fib"]), host);
    expect((after.fib as Fn)(90)).toBe((before.fib as Fn)(90));
    expect((after.fib as Fn)(90)).toBe(2880067194370816120n);
    expect((after.collatzSum as Fn)(1000)).toBe((before.collatzSum as Fn)(1000));
    if (placement === "kill") expect(host.ticks + host.yields).toBe(0);
    else expect(host.ticks).toBeGreaterThan(0);
  });

  it("builds the sections a module lacks (no types, imports or globals)", async () => {
    const bytes = await wat("(module)");
    for (const placement of PLACEMENTS) {
      expect(WebAssembly.validate(rewrite(bytes, placement)), placement).toBe(true);
    }
  });

  it("remaps memory indices when a module imports one memory and defines another", async () => {
    const bytes = await wat(`
      (module
        (import "env" "shared" (memory $a 1))
        (memory $b (export "own") 1)
        (data (memory $b) (i32.const 8) "\\07")
        (func (export "read") (result i32)
          (i32.store8 $a (i32.const 0) (i32.const 3))
          (i32.add (i32.load8_u $a (i32.const 0)) (i32.load8_u $b (i32.const 8)))
          (i32.add (memory.size $b))))`);
    for (const placement of PLACEMENTS) {
      const shared = new WebAssembly.Memory({ initial: 1 });
      const exports = instantiate(rewrite(bytes, placement), preemptHost(), { env: { shared } });
      expect((exports.read as Fn)(), placement).toBe(11);
      expect(new Uint8Array((exports.own as WebAssembly.Memory).buffer)[8]).toBe(7);
    }
  });

  it("decodes SIMD, atomics, bulk memory, exceptions and GC instructions", async () => {
    const bytes = await wat(`
      (module
        (type $s (struct (field (mut i32))))
        (type $a (array (mut i8)))
        (tag $e (param i32))
        (memory 1 1 shared)
        (func (export "f") (param $x i32) (result i32)
          (local $v v128)
          (local.set $v (i32x4.splat (local.get $x)))
          (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
            (local.get $v) (v128.const i32x4 1 2 3 4)))
          (v128.store (i32.const 0) (local.get $v))
          (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
          (atomic.fence)
          (drop (i32.trunc_sat_f32_s (f32.const 1.5)))
          (drop (i32.extend8_s (local.get $x)))
          (drop (struct.get $s 0 (struct.new $s (local.get $x))))
          (drop (array.len (array.new_default $a (i32.const 3))))
          (drop (ref.i31 (local.get $x)))
          (block $caught (result i32)
            (try_table (catch $e $caught) (throw $e (local.get $x)))
            (i32.const 0))
          (i32.add (i32x4.extract_lane 1 (local.get $v)))))`);
    for (const placement of PLACEMENTS) {
      const exports = instantiate(rewrite(bytes, placement), preemptHost());
      expect((exports.f as Fn)(5), placement).toBe(5 + 5);
    }
  });

  it("throws a clear error on an opcode it does not know", async () => {
    const bytes = await wat(`(module (func (drop (i32.const 1))))`);
    const at = bytes.indexOf(0x1a); // the drop
    const broken = bytes.slice();
    broken[at] = 0xc5; // not an opcode
    expect(() => rewrite(broken, "loops")).toThrow(
      new RegExp(`unknown opcode 0xc5 at byte offset ${at}`),
    );
  });
});
