/**
 * `rusm build` from the command line (issue 3, point 3), as a guest author runs it in their own
 * folder: progress on stderr, the result on stdout, a content cache (a rebuild of unchanged
 * source is a copy), and errors that point at the author's file:line:column (a syntax error,
 * an exception in the module's top level, which runs at build time, an entry with no handler).
 * The built component is then served: the CLI's output is a working guest.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  });

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
    expect(run.stderr).toContain("error[RUSM_USAGE] build needs -o <out.wasm>");
  });
});
