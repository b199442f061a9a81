/** wasm/imports.ts: function imports with their core types, from modules jco's `parse` builds. */
import { parse } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";
import { funcImports } from "./imports.ts";

describe("funcImports", () => {
  it("reads each function import's module, name and core type, skipping other imports", async () => {
    const module = await parse(`(module
      (type (func (param i32 i64) (result i32)))
      (import "wasi:io/streams@0.2.12" "[method]input-stream.read" (func (param i32 i64 i32)))
      (import "env" "memory" (memory 1))
      (import "env" "g" (global (mut f64)))
      (import "env" "t" (table 1 funcref))
      (import "rusm:guest/sse@0.1.0" "open" (func (result i32)))
      (import "x" "typed" (func (type 0)))
      (import "x" "floats" (func (param f32 f64) (result f64))))`);
    expect(funcImports(module)).toEqual([
      {
        module: "wasi:io/streams@0.2.12",
        name: "[method]input-stream.read",
        params: ["i32", "i64", "i32"],
        results: [],
      },
      { module: "rusm:guest/sse@0.1.0", name: "open", params: [], results: ["i32"] },
      { module: "x", name: "typed", params: ["i32", "i64"], results: ["i32"] },
      { module: "x", name: "floats", params: ["f32", "f64"], results: ["f64"] },
    ]);
  });

  it("gives none for a module without imports", async () => {
    expect(funcImports(await parse(`(module (func (export "f")))`))).toEqual([]);
  });

  it("refuses a type it does not read rather than misreading it", () => {
    // One type section holding a struct type (0x5f): a GC module.
    const module = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 3, 1, 0x5f, 0]);
    expect(() => funcImports(module)).toThrow(/type form 0x5f/);
  });
});
