/**
 * The lean path's eligibility and instantiation: `leanPlan` on the real built guests (through
 * `loadComponent`: WAT guests are lean, StarlingMonkey guests keep jco's glue and say why), on
 * hand-made core modules for each reason to refuse, and `instantiateLean` running a small WAT
 * handler end to end (handles in, a blocking import under JSPI, resource drops, traps).
 *
 * Not covered here: `RUSM_ABI=jco`, which load.ts reads once at module load (checking it
 * would need a module reload); test/lean-abi.test.ts checks it on a real server.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultCacheDir } from "../component/cache.ts";
import { loadComponent } from "../component/load.ts";
import { BLOCKING_IMPORTS, LEAN_INTERFACES } from "../catalog/index.ts";
import { POOLED_MEMORY_IMPORT } from "../wasm/binary.ts";
import { parseWat } from "../toolchain/wat.ts";
import { GuestTrap } from "../wasi/errors.ts";
import { instantiateLean, leanPlan, type LeanModule } from "./instance.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BLOCKING: ReadonlySet<string> = new Set(BLOCKING_IMPORTS);
const HANDLE = `(func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32))`;
const MEMORY = `(memory (export "memory") 1)`;

async function compile(text: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await parseWat({ file: "test.wat", text }));
}

function plan(modules: WebAssembly.Module[], glue = "") {
  return leanPlan(modules, LEAN_INTERFACES, BLOCKING, glue, POOLED_MEMORY_IMPORT);
}

function reason(verdict: ReturnType<typeof plan>): string {
  return verdict.ok ? "(accepted)" : verdict.reason;
}

describe("the built guests (loadComponent)", () => {
  const load = (name: string) =>
    loadComponent(
      {
        name,
        path: join(ROOT, "build", "guests", `${name}.wasm`),
        maxMemoryMb: 64,
        bodyBufferKb: 64,
      },
      { cacheDir: defaultCacheDir() },
    );

  it.each(["http-hello", "sse-finite", "mem-probe", "cli-exit", "stream-permits"])(
    "%s (WAT) is served by the lean ABI",
    async (name) => {
      const component = await load(name);
      expect(component.abi).toEqual({ kind: "lean" });
      component.close();
    },
  );

  it.each(["http-echo", "sm-hello"])(
    "%s (StarlingMonkey) keeps jco's glue, with the reason",
    async (name) => {
      const component = await load(name);
      expect(component.abi).toEqual({
        kind: "jco",
        reason: "it has more than one core module of its own (an adapter?)",
      });
      component.close();
    },
  );
});

describe("leanPlan", () => {
  const minimal = `(module
    (import "wasi:http/types@0.2.12" "[resource-drop]response-outparam" (func (param i32)))
    (import "wasi:io/poll@0.2.3" "poll" (func (param i32 i32 i32)))
    (import "wasi:io/poll@0.2.3" "[method]pollable.ready" (func (param i32) (result i32)))
    ${MEMORY}
    ${HANDLE})`;

  it("accepts a main module importing known functions, and plans each import", async () => {
    const module = await compile(minimal);
    const verdict = plan([module]);
    expect(verdict.ok, reason(verdict)).toBe(true);
    const lean = (verdict as { lean: LeanModule }).lean;
    expect(lean.module).toBe(module);
    expect(lean.handleExport).toBe("wasi:http/incoming-handler@0.2.12#handle");
    expect(lean.memoryImport).toBeNull();
    expect(
      lean.imports.map((i) => [i.module, i.name, i.iface, i.blocking, i.lowering.sig.name]),
    ).toEqual([
      [
        "wasi:http/types@0.2.12",
        "[resource-drop]response-outparam",
        "wasi:http/types",
        false,
        "[resource-drop]response-outparam",
      ],
      ["wasi:io/poll@0.2.3", "poll", "wasi:io/poll", true, "poll"],
      [
        "wasi:io/poll@0.2.3",
        "[method]pollable.ready",
        "wasi:io/poll",
        false,
        "[method]pollable.ready",
      ],
    ]);
  });

  it("accepts the pooled memory import and records it", async () => {
    const { module: m, name } = POOLED_MEMORY_IMPORT;
    const verdict = plan([
      await compile(`(module (import "${m}" "${name}" (memory 1)) ${HANDLE})`),
    ]);
    expect(verdict.ok, reason(verdict)).toBe(true);
    expect((verdict as { lean: LeanModule }).lean.memoryImport).toEqual(POOLED_MEMORY_IMPORT);
  });

  it("accepts jco's shim modules (the $imports table and the module filling it) beside the main one", async () => {
    const shim = await compile(`(module
      (table (export "$imports") 1 1 funcref)
      (func (export "0") (param i32) (call_indirect (param i32) (local.get 0) (i32.const 0))))`);
    const fixup = await compile(`(module
      (import "" "$imports" (table 1 1 funcref))
      (import "" "0" (func (param i32))))`);
    const main = await compile(minimal);
    const verdict = plan([shim, main, fixup]);
    expect(verdict.ok, reason(verdict)).toBe(true);
    expect((verdict as { lean: LeanModule }).lean.module).toBe(main);
  });

  it.each([
    [
      "an interface the lean ABI does not serve",
      `(module (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func (param i32)))
        ${MEMORY} ${HANDLE})`,
      "it imports wasi:filesystem/preopens@0.2.0#get-directories, which the lean ABI does not serve",
    ],
    [
      "an unknown function of a known interface",
      `(module (import "wasi:http/types@0.2.12" "[method]fields.frobnicate" (func (param i32)))
        ${MEMORY} ${HANDLE})`,
      "it imports wasi:http/types@0.2.12#[method]fields.frobnicate, which the lean ABI does not serve",
    ],
    [
      "a global import",
      `(module (import "env" "g" (global i32)) ${MEMORY} ${HANDLE})`,
      "it imports env#g, which the lean ABI does not serve",
    ],
    [
      "a memory imported from elsewhere",
      `(module (import "env" "memory" (memory 1)) ${HANDLE})`,
      "it imports env#memory, which the lean ABI does not serve",
    ],
    [
      "an _initialize export",
      `(module ${MEMORY} (func (export "_initialize")) ${HANDLE})`,
      "its core module has an initializer",
    ],
    ["no memory", `(module ${HANDLE})`, "its core module neither imports nor exports its memory"],
    [
      "no handle export",
      `(module ${MEMORY} (func (export "wasi:http/incoming-handler@0.3.0#handle") (param i32 i32)))`,
      "no single core module exports handle",
    ],
  ])("refuses %s", async (_, text, why) => {
    expect(reason(plan([await compile(text)]))).toBe(why);
  });

  it("refuses two modules exporting handle, and a second module of the guest's own", async () => {
    const a = await compile(`(module ${MEMORY} ${HANDLE})`);
    const b = await compile(`(module ${MEMORY} ${HANDLE})`);
    expect(reason(plan([a, b]))).toBe("no single core module exports handle");
    const adapter = await compile(
      `(module (func (export "fd_write") (param i32) (result i32) i32.const 0))`,
    );
    expect(reason(plan([a, adapter]))).toBe(
      "it has more than one core module of its own (an adapter?)",
    );
  });

  it("refuses a component whose glue lowers strings as UTF-16", async () => {
    const module = await compile(`(module ${MEMORY} ${HANDLE})`);
    expect(plan([module], "utf8Encode(x)").ok).toBe(true);
    expect(reason(plan([module], "const s = utf16Encode(x)"))).toBe("it lowers strings as UTF-16");
  });
});

describe("instantiateLean", () => {
  const RET = 0x100;
  /** Reads the path (from the outparam's handle when `wrong`), blocks 20 ms on a pollable,
   * drops everything, and exits with the path's length. */
  const guest = (wrong = false): string => `(module
    (import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
      (func $pwq (param i32 i32)))
    (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_req (param i32)))
    (import "wasi:http/types@0.2.12" "[resource-drop]response-outparam" (func $drop_out (param i32)))
    (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
      (func $sub (param i64) (result i32)))
    (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
    (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_poll (param i32)))
    (import "wasi:cli/exit@0.2.12" "exit-with-code" (func $exit (param i32)))
    ${MEMORY}
    (global $heap (mut i32) (i32.const 0x1000))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 3)))
      (local.get $p))
    (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $req i32) (param $out i32)
      (local $p i32)
      (call $pwq (local.get ${wrong ? "$out" : "$req"}) (i32.const ${RET}))
      (local.set $p (call $sub (i64.const 20000000)))
      (call $block (local.get $p))
      (call $drop_poll (local.get $p))
      (call $drop_req (local.get $req))
      (call $drop_out (local.get $out))
      (call $exit (i32.load (i32.const ${RET + 8})))))`;

  async function lean(wrong = false): Promise<LeanModule> {
    const verdict = plan([await compile(guest(wrong))]);
    if (!verdict.ok) throw new Error(verdict.reason);
    return verdict.lean;
  }

  function host(events: string[]) {
    const disposable = (name: string) => ({
      [Symbol.dispose]: () => events.push(`dispose ${name}`),
    });
    return {
      request: { ...disposable("request"), pathWithQuery: () => "/päth?q" },
      outparam: disposable("outparam"),
      imports: {
        "wasi:http/types": {},
        "wasi:clocks/monotonic-clock": {
          subscribeDuration: (ns: bigint) => ({
            ...disposable("pollable"),
            block: () => {
              events.push(`block ${ns}`);
              return new Promise<void>((r) =>
                setTimeout(() => {
                  events.push("ready");
                  r();
                }, 20),
              );
            },
          }),
        },
        "wasi:io/poll": {},
        "wasi:cli/exit": { exitWithCode: (code: number) => events.push(`exit ${code}`) },
      },
    };
  }

  it("plans pollable.block as a blocking (JSPI) import, the others not", async () => {
    const blocking = (await lean()).imports.filter((i) => i.blocking).map((i) => i.name);
    expect(blocking).toEqual(["[method]pollable.block"]);
  });

  it("runs handle: request and outparam as handles, a blocking call suspends, drops dispose", async () => {
    const events: string[] = [];
    const h = host(events);
    const memories: WebAssembly.Memory[] = [];
    const instance = instantiateLean(await lean(), h.imports, null, (m) => memories.push(m));
    expect(memories.length).toBe(1);
    const started = performance.now();
    const done = instance.handle(h.request, h.outparam);
    events.push("handle returned");
    await done;
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(events).toEqual([
      "block 20000000",
      "handle returned",
      "ready",
      "dispose pollable",
      "dispose request",
      "dispose outparam",
      "exit 8", // "/päth?q" is 8 bytes of UTF-8
    ]);
  });

  it("two instances run at once, each with its own memory", async () => {
    const module = await lean();
    const memories: WebAssembly.Memory[] = [];
    const events: string[] = [];
    const a = host(events);
    const b = host(events);
    const one = instantiateLean(module, a.imports, null, (m) => memories.push(m));
    const two = instantiateLean(module, b.imports, null, (m) => memories.push(m));
    await Promise.all([one.handle(a.request, a.outparam), two.handle(b.request, b.outparam)]);
    expect(memories[0]).not.toBe(memories[1]);
    expect(events.filter((e) => e === "exit 8").length).toBe(2);
  });

  it("a guest passing the outparam where a request is expected traps (GuestTrap)", async () => {
    const events: string[] = [];
    const h = host(events);
    const instance = instantiateLean(await lean(true), h.imports, null, () => undefined);
    await expect(instance.handle(h.request, h.outparam)).rejects.toThrow(GuestTrap);
    expect(events).toEqual([]);
  });

  it("uses the given (pooled) memory when the module imports one", async () => {
    const { module: m, name } = POOLED_MEMORY_IMPORT;
    const text = guest().replace(MEMORY, `(import "${m}" "${name}" (memory 1))`);
    const verdict = plan([await compile(text)]);
    if (!verdict.ok) throw new Error(verdict.reason);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const seen: WebAssembly.Memory[] = [];
    const events: string[] = [];
    const h = host(events);
    const instance = instantiateLean(verdict.lean, h.imports, memory, (mem) => seen.push(mem));
    await instance.handle(h.request, h.outparam);
    expect(seen).toEqual([]); // the caller reports a pooled memory itself
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 0x1000, 8))).toBe("/päth?q");
    expect(() => instantiateLean(verdict.lean, h.imports, null, () => undefined)).toThrow(
      /imports a memory but none was given/,
    );
  });

  it("a missing host namespace is refused at instantiation", async () => {
    const h = host([]);
    const { "wasi:cli/exit": _, ...imports } = h.imports;
    const module = await lean();
    expect(() => instantiateLean(module, imports, null, () => undefined)).toThrow(
      "no host implementation of wasi:cli/exit",
    );
  });
});
