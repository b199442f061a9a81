/**
 * @module abi/wit-bindings.test
 * The hand-written canonical-ABI bindings, checked against wit/ (issue 17, STYLE.md "Layout"):
 * the lean ABI's descriptors (abi/interfaces/, lowered by lower.ts's plan), the Rust SDK's
 * `extern` imports (sdk/rust/src/) and the QuickJS engine's C imports (sdk/ts/quickjs/). The
 * reference is the dummy core module wasm-tools makes for a world (jco `componentEmbed`,
 * wit-world.test-support.ts): every function the world imports with its core type.
 *
 * A binding that names a function wit/ does not have, or gives it other core types, fails with
 * its file, its name, both types and what to change. The TypeScript SDK's types are checked by
 * wit-types.test.ts.
 */
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ValType } from "../wasm/imports.ts";
import { LEAN_INTERFACES } from "../catalog/index.ts";
import { plan } from "./lower.ts";
import { cImports, rustImports, type SdkImport } from "./sdk-imports.test-support.ts";
import type { FuncSig } from "./signature.ts";
import { layout } from "./types.ts";
import {
  CLI_COMMAND_WORLD,
  HANDLERS_WORLD,
  interfaceVersions,
  worldImports,
  type WitImport,
} from "./wit-world.test-support.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const handlers = await worldImports(HANDLERS_WORLD);
/**
 * What the lean ABI may serve: rusm's world, plus wasi:cli's terminals (the command world), with
 * the unstable functions (`response-outparam.send-informational`).
 */
const known = new Map([
  ...(await worldImports(CLI_COMMAND_WORLD, true)),
  ...(await worldImports(HANDLERS_WORLD, true)),
]);
const versions = await interfaceVersions(HANDLERS_WORLD);

interface CoreType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

function show(t: CoreType): string {
  return `(${t.params.join(", ")}) -> (${t.results.join(", ")})`;
}

/** A descriptor's core type, as the lean ABI lowers it (lower.ts `plan`). */
function descriptorCoreType(sig: FuncSig): CoreType {
  if (sig.call.kind === "drop") return { params: ["i32"], results: [] }; // the handle
  const p = plan(sig);
  const params =
    p.paramTuple !== null ? ["i32" as const] : sig.params.flatMap((t) => layout(t).flat);
  const results = sig.result === null ? [] : layout(sig.result).flat;
  return p.retptr ? { params: [...params, "i32"], results: [] } : { params, results };
}

/** The descriptor file of an interface: `wasi:http/types` → host/abi/interfaces/http.ts. */
function descriptorFile(iface: string): string {
  const pkg = iface.startsWith("rusm:")
    ? "rusm"
    : iface.slice(iface.indexOf(":") + 1, iface.indexOf("/"));
  return `host/abi/interfaces/${pkg}.ts`;
}

/** A disagreement with wit/, or null. */
function compare(
  where: string,
  what: string,
  ours: CoreType,
  wit: WitImport | undefined,
): string | null {
  if (wit === undefined)
    return `${where}: ${what} is not a function of wit/; remove it or fix its name`;
  if (show(ours) === show(wit)) return null;
  return `${where}: ${what} is ${show(ours)} but wit/ lowers it to ${show(wit)}; change the binding to match the WIT`;
}

async function filesUnder(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .sort();
}

/** Each SDK import against the handlers world: module (with version), name, core type. */
function checkSdk(imports: readonly SdkImport[]): string[] {
  const bad: string[] = [];
  for (const imp of imports) {
    const iface = imp.module.replace(/@.*/, "");
    const what = `${imp.fn} (import "${imp.module}" "${imp.name}")`;
    const versioned = versions.get(iface);
    if (versioned !== imp.module) {
      bad.push(
        versioned === undefined
          ? `${imp.at}: ${what}: ${HANDLERS_WORLD} imports no interface ${iface}`
          : `${imp.at}: ${what}: wit/ has ${versioned}; change the module name to it`,
      );
      continue;
    }
    const problem = compare(imp.at, what, imp, handlers.get(`${iface}#${imp.name}`));
    if (problem !== null) bad.push(problem);
  }
  return bad;
}

describe("bindings checked against wit/ (issue 17)", () => {
  it("reads the worlds (a check against nothing would pass anything)", () => {
    expect(handlers.size).toBeGreaterThan(100);
    expect(handlers.get("rusm:guest/sse#[method]event-stream.next")).toEqual({
      iface: "rusm:guest/sse",
      name: "[method]event-stream.next",
      params: ["i32", "i32", "i32"],
      results: [],
    });
    expect(known.has("wasi:cli/terminal-stdout#get-terminal-stdout")).toBe(true);
    // @unstable functions: the lean ABI may serve them, a guest built by default cannot import them.
    const informational = "wasi:http/types#[method]response-outparam.send-informational";
    expect([handlers.has(informational), known.has(informational)]).toEqual([false, true]);
    expect(versions.get("wasi:http/types")).toBe("wasi:http/types@0.2.12");
  });

  it("gives every lean ABI descriptor the core type wit/ lowers its function to", () => {
    const bad: string[] = [];
    for (const iface of LEAN_INTERFACES.values()) {
      for (const sig of iface.funcs.values()) {
        const what = `${iface.name} "${sig.name}"`;
        const problem = compare(
          descriptorFile(iface.name),
          what,
          descriptorCoreType(sig),
          known.get(`${iface.name}#${sig.name}`),
        );
        if (problem !== null) bad.push(problem);
      }
    }
    expect(bad, "lean ABI descriptors that disagree with wit/").toEqual([]);
  });

  it("has a lean descriptor for every function of the interfaces it serves, and all of rusm's", () => {
    const missing = [...known.values()]
      .filter((f) => LEAN_INTERFACES.has(f.iface) || /^rusm:/.test(f.iface))
      .filter((f) => LEAN_INTERFACES.get(f.iface)?.funcs.has(f.name) !== true)
      .map(
        (f) =>
          `${descriptorFile(f.iface)}: no descriptor for ${f.iface} "${f.name}" ${show(f)}; add it (and name it in host/catalog/)`,
      );
    expect(missing, "WIT functions the lean ABI does not describe").toEqual([]);
  });

  it("gives every Rust SDK extern import the module, name and core types of wit/", async () => {
    const imports: SdkImport[] = [];
    for (const file of await filesUnder("sdk/rust/src", /\.rs$/)) {
      imports.push(...rustImports(file, await readFile(join(ROOT, file), "utf8")));
    }
    expect(imports.length).toBeGreaterThan(20);
    expect(checkSdk(imports), "Rust SDK imports that disagree with wit/").toEqual([]);
  });

  it("gives every QuickJS engine C import the module, name and core types of wit/", async () => {
    const imports: SdkImport[] = [];
    for (const file of await filesUnder("sdk/ts/quickjs", /\.[ch]$/)) {
      imports.push(...cImports(file, await readFile(join(ROOT, file), "utf8")));
    }
    expect(imports.length).toBeGreaterThan(40);
    expect(checkSdk(imports), "QuickJS C imports that disagree with wit/").toEqual([]);
  });
});
