/**
 * `rusm build` from the command line (issue 3, point 3), as a guest author runs it in their own
 * folder: progress on stderr, the result on stdout, a content cache (a rebuild of unchanged
 * source is a copy), and errors that point at the author's file:line:column (a syntax error,
 * an exception in the module's top level, which runs at build time, an entry with no handler).
 * The built component is then served: the CLI's output is a working guest.
 *
 * The same with `--engine quickjs` (the QuickJS backend): its component is one of rusm's worlds
 * (`rusm:guest/handlers`: it imports nothing else, so it runs on any host of that world), it
 * serves, and its build errors point at the author's file:line (QuickJS gives no column for an
 * exception: the column is 1); a Web API QuickJS lacks is a warning at its file:line:column.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentWit } from "@bytecodealliance/jco";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes, runRusm, startRusm } from "./helpers/rusm.ts";

const GUEST = `import type { Params } from "rusm/guest";

export const hi = {
  there(_req: Request, params: Params): Response {
    return new Response(\`hi \${params.get("who")}\\n\`);
  },
};
`;

describe("rusm build", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rusm-build-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const build = (entry: string, out = "out/guest.wasm", cache = "cache") =>
    runRusm(["build", entry, "-o", out, "--cache-dir", join(dir, cache)], {
      cwd: dir,
      timeoutMs: 120_000,
    });

  it("builds a guest with progress, caches it by content, and the component serves", async () => {
    await writeFile(join(dir, "hi.ts"), GUEST);
    const first = await build("hi.ts");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("rusm: bundling hi.ts");
    expect(first.stderr).toContain("rusm: componentizing with StarlingMonkey");
    expect(first.stdout).toMatch(
      /^rusm: built out\/guest\.wasm \(\d+\.\d MB\) in \d+\.\d s: exports hi \(route handler modules as "module#function"\)\n$/,
    );
    const bytes = await readFile(join(dir, "out", "guest.wasm"));
    // A component: the wasm magic, then version 0x0d and layer 1.
    expect([...bytes.subarray(0, 8)]).toEqual([0, 0x61, 0x73, 0x6d, 0x0d, 0, 0x01, 0]);

    const again = await build("hi.ts", "out/again.wasm");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\(cached\)/);
    expect(again.stderr).not.toContain("componentizing");
    expect(Buffer.compare(await readFile(join(dir, "out", "again.wasm")), bytes)).toBe(0);

    const rusm = await startRusm(
      routes(`
[components]
hi = { path = "${join(dir, "out", "guest.wasm")}", max-memory-mb = 128 }
[serve.routes]
"GET /hi/:who" = "hi#there"
`),
    );
    try {
      const res = await fetch(`${rusm.url}/hi/there`);
      expect(await res.text()).toBe("hi there\n");
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
    // A StarlingMonkey build, its cached rebuild and a server start: minutes on a busy machine.
  }, 300_000);

  it("a syntax error: error[RUSM_GUEST_BUILD] at the author's file:line:column, exit 1", async () => {
    await writeFile(
      join(dir, "syntax.ts"),
      `export const api = {\n  feed() {\n    return 1 +;\n  },\n};\n`,
    );
    const run = await build("syntax.ts");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error[RUSM_GUEST_BUILD] syntax.ts:3:15: cannot bundle the guest: Unexpected ";"`,
    );
  });

  it("an exception in the top level (run at build time) points at the author's line", async () => {
    await writeFile(
      join(dir, "top.ts"),
      `export const api = { ok: (_r: Request) => new Response("ok") };\n\nconst config: { port?: { value: number } } = {};\nexport const port = config.port!.value;\n`,
    );
    const run = await build("top.ts");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error[RUSM_GUEST_BUILD] top.ts:4:21: the guest threw while its top level ran at build time: TypeError",
    );
    expect(run.stderr).toContain("move request work into the handlers");
  });

  it("an entry that exports no handler says what to export", async () => {
    await writeFile(join(dir, "nothing.ts"), `const unused = 1;\nconsole.log(unused);\n`);
    const run = await build("nothing.ts");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error[RUSM_GUEST_BUILD] nothing.ts:1:1: nothing.ts exports nothing rusm can serve",
    );
    expect(run.stderr).toContain("export default function handle(request: Request): Response");
  });

  it("without -o: a usage error, exit 2", async () => {
    const run = await runRusm(["build", "hi.ts"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "error[RUSM_USAGE] required option '-o, --out <out.wasm>' not specified",
    );
  });
});

/** What `rusm:guest/handlers` lets a guest import (wit/worlds.wit: http-guest, which is
 * wasi:http/proxy plus cli environment/exit and insecure random, and rusm's own). */
const HANDLERS_IMPORTS =
  /^(wasi:(io\/(poll|error|streams)|clocks\/(monotonic-clock|wall-clock)|random\/(random|insecure|insecure-seed)|cli\/(stdout|stderr|stdin|environment|exit)|http\/(types|outgoing-handler))@0\.2\.\d+|rusm:(guest\/(context|sse|process)|pubsub\/(broker|mailbox))@0\.1\.0)$/;

describe("rusm build --engine quickjs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rusm-build-qjs-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The default cache: QuickJS's engine is compiled there once per machine.
  const build = (entry: string, out = "out/guest.wasm") =>
    runRusm(["build", entry, "-o", out, "--engine", "quickjs"], { cwd: dir, timeoutMs: 120_000 });

  it("builds a component of rusm:guest/handlers that serves", async () => {
    await writeFile(join(dir, "hi.ts"), GUEST);
    const run = await build("hi.ts");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^rusm: built out\/guest\.wasm \(\d+\.\d MB\) in \d+\.\d s( \(cached\))? with QuickJS: exports hi/,
    );
    const wit = await componentWit(await readFile(join(dir, "out", "guest.wasm")));
    const imports = [...wit.matchAll(/^\s*import (\S+);$/gm)].map((m) => m[1]!);
    const exports = [...wit.matchAll(/^\s*export (\S+);$/gm)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !HANDLERS_IMPORTS.test(i))).toEqual([]);
    expect(exports.sort()).toEqual([
      "rusm:guest/manifest@0.1.0",
      "wasi:http/incoming-handler@0.2.12",
    ]);

    const rusm = await startRusm(
      routes(`
[components]
hi = { path = "${join(dir, "out", "guest.wasm")}", max-memory-mb = 32 }
[serve.routes]
"GET /hi/:who" = "hi#there"
`),
    );
    try {
      const res = await fetch(`${rusm.url}/hi/quickjs`);
      expect(await res.text()).toBe("hi quickjs\n");
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });

  it("an exception in the top level points at the author's line", async () => {
    await writeFile(
      join(dir, "top.ts"),
      `export const api = { ok: (_r: Request) => new Response("ok") };\n\nconst config: { port?: { value: number } } = {};\nexport const port = config.port!.value;\n`,
    );
    const run = await build("top.ts");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error[RUSM_GUEST_BUILD] top.ts:4:1: the guest threw while its top level ran at build time: TypeError",
    );
  });

  it("a Web API QuickJS lacks, used in a handler: built, with a warning at its file:line:column", async () => {
    await writeFile(
      join(dir, "digest.ts"),
      `export default async function handle(_r: Request): Promise<Response> {\n  const d = await crypto.subtle.digest("SHA-256", new Uint8Array(1));\n  return new Response(String(d.byteLength), { headers: { "x-fetch": "fetch" } });\n}\n`,
    );
    const run = await build("digest.ts", "out/digest.wasm");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "rusm: warning: digest.ts:2:19: `crypto` does not exist on QuickJS: code that reaches it throws ReferenceError",
    );
    // Only that one: rusm's own runtime and platform layer, and strings, are not reported.
    expect(run.stderr.match(/warning:/g)).toHaveLength(1);
  });

  it("what QuickJS (ES2020) cannot run is refused at its file:line:column: top-level await", async () => {
    await writeFile(
      join(dir, "tla.ts"),
      `const n = await Promise.resolve(1);\nexport default (_r: Request) => new Response(String(n));\n`,
    );
    const run = await build("tla.ts");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error[RUSM_GUEST_BUILD] tla.ts:1:11: cannot bundle the guest: Top-level await is not available",
    );
    expect(run.stderr).toContain("hint: QuickJS runs ES2020");
  });
});
