/**
 * The catalog's own consistency: what every path derives from it (catalog/index.ts) agrees
 * with the entries, and each entry agrees with itself. Whether the entries agree with wit/ is
 * the WIT check's job.
 */
import { describe, expect, it } from "vitest";
import { HostMemory } from "../wasi/host-memory.ts";
import {
  BLOCKING_IMPORTS,
  HOST_INTERFACES,
  LEAN_INTERFACES,
  PROVIDED_INTERFACES,
  hostImports,
  isRusmInterface,
  type HostContext,
} from "./index.ts";

describe("the catalog of host interfaces", () => {
  it("lists each interface once, under its package", () => {
    const names = HOST_INTERFACES.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const i of HOST_INTERFACES) {
      // rusm:preempt is a core module name, a package with no interfaces.
      const pkg = i.name === i.package.name ? i.name : i.name.slice(0, i.name.indexOf("/"));
      expect(pkg, i.name).toBe(i.package.name);
    }
  });

  it("names the lean descriptor of the same interface, and blocking calls it declares", () => {
    for (const i of HOST_INTERFACES) {
      if (i.lean === null) continue;
      expect(i.lean.name).toBe(i.name);
      for (const f of i.blocking) expect([...i.lean.funcs.keys()], `${i.name}#${f}`).toContain(f);
    }
    expect(LEAN_INTERFACES.get("wasi:http/types")?.funcs.has("[method]fields.get")).toBe(true);
    expect(LEAN_INTERFACES.has("wasi:filesystem/types")).toBe(false);
  });

  it("derives the blocking calls, what a component may import, and whose they are", () => {
    expect(BLOCKING_IMPORTS).toContain("wasi:io/poll#poll");
    expect(BLOCKING_IMPORTS).toContain("rusm:guest/sse#[method]event-stream.send");
    expect(BLOCKING_IMPORTS).toContain("rusm:pubsub/mailbox#receive");
    expect(PROVIDED_INTERFACES.has("wasi:http/types")).toBe(true);
    expect(PROVIDED_INTERFACES.has("rusm:guest/sse")).toBe(true);
    // Core-level: preemption checks call it, no component imports it.
    expect(PROVIDED_INTERFACES.has("rusm:preempt")).toBe(false);
    expect(isRusmInterface("rusm:pubsub/broker")).toBe(true);
    expect(isRusmInterface("wasi:io/poll")).toBe(false);
  });

  it("builds an import object by scope: rusm's own and preemption's only when asked", () => {
    const ctx = {
      pid: 1,
      hostMemory: new HostMemory(1 << 20),
      preemptImports: () => ({ tick: () => 0 }),
    } as unknown as HostContext;
    const plain = hostImports(ctx, { rusm: false, preempt: false });
    expect(Object.keys(plain)).toContain("wasi:http/types");
    expect(Object.keys(plain).some((k) => k.startsWith("rusm:"))).toBe(false);
    const all = hostImports(ctx, { rusm: true, preempt: true });
    expect(Object.keys(all)).toEqual(HOST_INTERFACES.map((i) => i.name));
    expect(all["rusm:preempt"]).toHaveProperty("tick");
    // Shared objects are the same for every process; per-process ones are not.
    const again = hostImports(ctx, { rusm: true, preempt: true });
    expect(again["wasi:io/poll"]).toBe(all["wasi:io/poll"]);
    expect(again["wasi:http/types"]).not.toBe(all["wasi:http/types"]);
  });
});
