/**
 * The rewriter on the module it exists for: StarlingMonkey's 14 MB engine core module (the
 * largest core module jco extracts from a JS guest). It must decode every instruction in it and
 * produce a module V8 validates, in every placement, within the 10% size budget. A built
 * `build/guests/ts-handlers.wasm` is used when present; otherwise the guest is built into a temp
 * directory (about 20 s).
 */

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { transpile } from "@bytecodealliance/jco";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PLACEMENTS } from "./fixtures.test-support.ts";
import { FUEL_EXPORT, instrumentModule } from "./instrument.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUILT = join(ROOT, "build/guests/ts-handlers.wasm");

let engine: Uint8Array;
let temp: string | null = null;

beforeAll(async () => {
  let component: string = BUILT;
  if (!existsSync(BUILT)) {
    temp = await mkdtemp(join(tmpdir(), "rusm-preempt-sm-"));
    component = join(temp, "sm.wasm");
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, "bin/rusm.mjs"), "build", "guests/ts-handlers/guest.ts", "-o", component],
      { cwd: ROOT },
    );
  }
  const { files } = await transpile(await readFile(component), { name: "sm" });
  const modules = Object.entries(files)
    .filter(([name]) => name.endsWith(".wasm"))
    .map(([, bytes]) => bytes)
    .sort((a, b) => b.length - a.length);
  engine = modules[0]!;
}, 180_000);

afterAll(async () => {
  if (temp !== null) await rm(temp, { recursive: true, force: true });
});

describe("instrumentModule on StarlingMonkey's engine module", () => {
  it.each(PLACEMENTS)("produces a valid module at most 10 percent larger (%s)", (placement) => {
    expect(engine.length).toBeGreaterThan(10_000_000);
    const out = instrumentModule(engine, {
      placement,
      entryExport: (name) => name.startsWith("wasi:http/incoming-handler@"),
    });
    expect(WebAssembly.validate(out.bytes)).toBe(true);
    expect(out.bytes.length / engine.length).toBeLessThan(1.1);
    expect(out.yieldChecks + out.killChecks).toBeGreaterThan(10_000);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(out.bytes));
    const before = WebAssembly.Module.exports(new WebAssembly.Module(engine));
    // Its exports, and the fuel global the host may end a slice through.
    expect(exports).toEqual([...before, { name: FUEL_EXPORT, kind: "global" }]);
  });
});
