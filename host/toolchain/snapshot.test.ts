import { describe, expect, it } from "vitest";
import { snapshot } from "./snapshot.ts";
import { parseWat } from "./wat.ts";

// Two pages; init writes bytes at 100 and at 70,000 (the second page), and returns 7.
const MODULE = `(module
  (import "env" "io" (func $io))
  (memory (export "memory") 1)
  (global $sp (export "sp") (mut i32) (i32.const 0))
  (data (i32.const 8) "seed")
  (func (export "init") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 100) (i32.const 0x04030201))
    (i32.store8 (i32.const 70000) (i32.const 9))
    (i32.const 7))
  (func (export "io") (call $io))
  (func (export "read") (param i32) (result i32) (i32.load8_u (local.get 0))))`;

describe("snapshot", () => {
  it("writes a module whose memory starts as init left it, without the init export", async () => {
    const module = await parseWat({ file: "snap.wat", text: MODULE });
    const snap = await snapshot(module, (exports) => (exports["init"] as () => number)(), ["init"]);
    expect(snap.result).toBe(7);
    expect(snap.pages).toBe(2);
    const compiled = await WebAssembly.compile(snap.module);
    const instance = await WebAssembly.instantiate(compiled, { env: { io: () => {} } });
    const exports = instance.exports;
    expect(Object.keys(exports).sort()).toEqual(["io", "memory", "read", "sp"]);
    const read = exports["read"] as (at: number) => number;
    expect([8, 9, 10, 11].map(read)).toEqual([..."seed"].map((c) => c.charCodeAt(0)));
    expect([100, 101, 102, 103, 70000, 99, 104].map(read)).toEqual([1, 2, 3, 4, 9, 0, 0]);
    expect((exports["memory"] as WebAssembly.Memory).buffer.byteLength).toBe(2 * 65_536);
  });

  it("an import called at build time fails, naming it", async () => {
    const module = await parseWat({ file: "snap.wat", text: MODULE });
    const run = snapshot(module, (exports) => (exports["io"] as () => void)(), []);
    await expect(run).rejects.toThrow("env#io was called at build time");
  });
});
