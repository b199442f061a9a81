/**
 * Fixes to jco's glue (component/glue.ts): the drop trampolines jco 1.11.2 writes as
 * "unreachable" get a destructor. On a written-out snippet (which tables, what stays as it was),
 * and on a real transpile of a guest that imports no function of `incoming-request` but its
 * drop: its glue, imported and instantiated, disposes the host's request when the guest drops
 * it, instead of throwing `unreachable resource trampoline`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../temp-dir.test-support.ts";
import { buildWatComponent } from "../toolchain/wat.ts";
import { fixUnreachableDrops } from "./glue.ts";
import { transpileComponent } from "./transpile.ts";

/** The shape jco 1.11.2 writes (indentation as in its output). */
const SNIPPET = `
    const handleTable7 = [T_FLAG, 0];
    const captureTable7= new Map();
    handleTables[7] = handleTable7;
    function trampoline5(handle) {
      const handleEntry = rscTableRemove(handleTable7, handle);
      if (handleEntry.own) {
        throw new TypeError('unreachable resource trampoline')
      }
    }
    function trampoline9(handle) {
      const handleEntry = rscTableRemove(handleTable8, handle);
      if (handleEntry.own) {
        throw new TypeError('unreachable resource trampoline')
      }
    }
    async function handle(arg0, arg1) {
      var handle0 = arg0[symbolRscHandle];
      if (!handle0) {
        const rep = arg0[symbolRscRep] || ++captureCnt3;
        captureTable3.set(rep, arg0);
        handle0 = rscTableCreateOwn(handleTable7, rep);
      }
    }
`;

describe("fixUnreachableDrops", () => {
  it("gives each unreachable drop the capture table its handle table is filled from", () => {
    const { glue, fixed } = fixUnreachableDrops(SNIPPET);
    expect(fixed).toEqual([
      { trampoline: "trampoline5", handleTable: "handleTable7", captureTable: "captureTable3" },
      { trampoline: "trampoline9", handleTable: "handleTable8", captureTable: null },
    ]);
    expect(glue).not.toContain("unreachable resource trampoline");
    expect(glue).toContain("const rsc = captureTable3.get(handleEntry.rep);");
    expect(glue).toContain("captureTable3.delete(handleEntry.rep);");
    // The lifting code is left as it was.
    expect(glue).toContain("captureTable3.set(rep, arg0);");
  });

  it("leaves glue without such a drop unchanged", () => {
    const other = SNIPPET.replaceAll("throw new TypeError('unreachable resource trampoline')", "");
    expect(fixUnreachableDrops(other)).toEqual({ glue: other, fixed: [] });
  });
});

/** Answers nothing: drops the request, then the outparam, and returns. */
const DROP_ONLY = `(module
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_req (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]response-outparam" (func $drop_out (param i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32)
    (call $drop_req (local.get 0))
    (call $drop_out (local.get 1))))`;

interface Glue {
  instantiate: (
    getCoreModule: (name: string) => WebAssembly.Module,
    imports: Record<string, object>,
  ) => Promise<{ incomingHandler: { handle(req: unknown, out: unknown): Promise<void> } }>;
}

describe("a real transpile (jco 1.11.2)", () => {
  const dir = useTempDir("rusm-glue-");

  it("a guest that only drops the request: no unreachable drop; the host object is disposed", async () => {
    const component = await buildWatComponent({ file: "drop-only.wat", text: DROP_ONLY });
    const out = await transpileComponent(component, "component");
    const glue = new TextDecoder().decode(out.files["component.js"]);
    expect(glue).not.toContain("unreachable resource trampoline");

    const modules = new Map<string, WebAssembly.Module>();
    for (const [name, bytes] of Object.entries(out.files)) {
      if (name.endsWith(".wasm")) modules.set(name, new WebAssembly.Module(bytes));
    }
    await mkdir(dir.path, { recursive: true });
    const file = join(dir.path, "component.mjs");
    await writeFile(file, glue);
    const { instantiate } = (await import(pathToFileURL(file).href)) as Glue;

    const disposed: string[] = [];
    class IncomingRequest {
      [Symbol.dispose](): void {
        disposed.push("incoming-request");
      }
    }
    class ResponseOutparam {
      [Symbol.dispose](): void {
        disposed.push("response-outparam");
      }
    }
    const root = await instantiate((name) => modules.get(name)!, {
      "wasi:http/types": { IncomingRequest, ResponseOutparam },
    });
    await root.incomingHandler.handle(new IncomingRequest(), new ResponseOutparam());
    expect(disposed).toEqual(["incoming-request", "response-outparam"]);
  });
});
