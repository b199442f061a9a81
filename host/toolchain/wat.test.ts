import { metadataShow } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";

import { isRusmError } from "../errors.ts";
import { preview1Adapter } from "./preview1.ts";
import { buildCoreModule, buildWatComponent, isComponent, isCoreModule, parseWat } from "./wat.ts";

const HELLO = `(module
  (import "wasi:http/types@0.2.12" "[resource-drop]response-outparam" (func $drop (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32)
    (call $drop (local.get 1))))`;

describe("buildWatComponent", () => {
  it("builds a component of rusm:guest/http-guest", async () => {
    const bytes = await buildWatComponent({ file: "hello.wat", text: HELLO });
    expect(isComponent(bytes)).toBe(true);
  });

  it("with the preview1 adapter, a module importing wasi_snapshot_preview1 becomes several core modules", async () => {
    const text = HELLO.replace(
      "(module\n",
      '(module\n  (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))\n',
    );
    const plain = await buildWatComponent({ file: "p1.wat", text }).catch((e: unknown) => e);
    expect(isRusmError(plain, "RUSM_COMPONENT_INVALID"), "without the adapter").toBe(true);
    const bytes = await buildWatComponent(
      { file: "p1.wat", text },
      { adapters: [await preview1Adapter()] },
    );
    const modules = (await metadataShow(bytes)).filter((m) => m.metaType.tag === "module");
    expect(modules.length).toBe(4);
  });

  it("reports a module that does not fit the world with the file name", async () => {
    const text = HELLO.replace("(param i32 i32)\n", "(param i32)\n").replace(
      "local.get 1",
      "local.get 0",
    );
    const err: unknown = await buildWatComponent({ file: "bad.wat", text }).catch(
      (e: unknown) => e,
    );
    expect(isRusmError(err, "RUSM_COMPONENT_INVALID")).toBe(true);
    expect((err as Error).message).toMatch(/^bad\.wat: .*type mismatch/s);
  });
});

describe("parseWat", () => {
  it("points a syntax error at the source file, 1-based", async () => {
    const sources = [
      { file: "prelude.wat", text: '(import "m" "f" (func))' },
      { file: "guest.wat", text: "(func $g\n  i32.bogus)" },
    ];
    const err: unknown = await parseWat(sources).catch((e: unknown) => e);
    expect(isRusmError(err, "RUSM_COMPONENT_INVALID")).toBe(true);
    expect(isRusmError(err) && err.where).toEqual({ file: "guest.wat", line: 2, column: 3 });
  });
});

describe("buildCoreModule", () => {
  it("builds a core module and refuses a component", async () => {
    const core = await buildCoreModule({ file: "m.wat", text: "(module)" });
    expect(isCoreModule(core)).toBe(true);
    const err: unknown = await buildCoreModule({ file: "c.wat", text: "(component)" }).catch(
      (e: unknown) => e,
    );
    expect(isRusmError(err, "RUSM_COMPONENT_INVALID")).toBe(true);
  });
});
