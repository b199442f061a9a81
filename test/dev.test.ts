/**
 * `rusm dev routes.toml` (issue 20, point 2), end to end: a real `rusm dev` process on a temp
 * project (a TypeScript guest with a `source`, built with QuickJS for speed, beside a prebuilt
 * component; two worker threads, so that a swap must reach both), real clients (fetch,
 * EventSource). The test edits the files as a developer
 * would and checks what the server answers:
 * - an edited source is rebuilt and swapped in: new requests get the new answer;
 * - across that swap, another component's live SSE stream keeps flowing, and a stream of the
 *   swapped component opened before it keeps running on the old version (same connection,
 *   contiguous events), while a stream opened after it runs the new one;
 * - a syntax error prints its file:line, and the old answer still comes back;
 * - an invalid routes.toml prints its config error with file:line and keeps serving; a valid
 *   one is applied live (a new route), a changed drain time asks for a restart;
 * - a source that does not build at start serves the component file an earlier build left;
 *   a component without a source is reloaded when its .wasm changes, and kept when the new
 *   file does not load.
 */
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnRusm, stopServer, type ListeningRusm } from "../host/testing/index.ts";
import { openFeed, type Feed } from "./helpers/clients.ts";
import { guest, runRusm } from "./helpers/rusm.ts";

const APP = `import type { Params, Sse } from "rusm/guest";
import { VERSION } from "./version.ts";

export const app = {
  hello(_request: Request, _params: Params): Response {
    return new Response(\`hello \${VERSION}\\n\`);
  },
  async feed(_request: Request, _params: Params, sse: Sse): Promise<void> {
    for (let n = 0; ; n++) {
      if (!sse.data(\`\${VERSION} \${n}\`)) return;
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
    }
  },
};
`;

const version = (v: string): string => `export const VERSION = "${v}";\n`;

const ROUTES = `[serve]
listen = "127.0.0.1:0"
drain-ms = 1000
workers = 2

[components]
app = { path = "build/app.wasm", source = "src/app.ts", engine = "quickjs" }
other = ${JSON.stringify(guest("ts-handlers", "quickjs"))}

[serve.routes]
"GET /hello" = "app#hello"
"GET /feed" = "app#feed"
"GET /other" = "api#every"
`;

async function until(what: string, check: () => boolean | Promise<boolean>, rusm: ListeningRusm) {
  const deadline = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for: ${what}\n${rusm.stderr().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hello = async (rusm: ListeningRusm): Promise<string> =>
  (await fetch(`${rusm.url}/hello`)).text();

describe("rusm dev routes.toml", () => {
  let dir: string;
  let rusm: ListeningRusm;
  const feeds: Feed[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rusm-dev-test-"));
    await writeFile(join(dir, "routes.toml"), ROUTES);
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src", "app.ts"), APP);
    await writeFile(join(dir, "src", "version.ts"), version("v1"));
    rusm = await spawnRusm(["routes.toml", "--listen", "127.0.0.1:0"], {
      command: "dev",
      cwd: dir,
      timeoutMs: 240_000,
    });
  }, 250_000);

  afterAll(async () => {
    for (const feed of feeds) feed.close();
    if (rusm !== undefined) expect(await stopServer(rusm.child, rusm.exited)).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("builds the source at start and serves it", async () => {
    expect(await hello(rusm)).toBe("hello v1\n");
  });

  it("swaps in an edited source; other streams and running processes are not disturbed", async () => {
    const other = openFeed(`${rusm.url}/other?ms=50`);
    const before = openFeed(`${rusm.url}/feed`);
    feeds.push(other, before);
    await until(
      "both streams flowing",
      () => other.events.length > 2 && before.events.length > 2,
      rusm,
    );

    await writeFile(join(dir, "src", "version.ts"), version("v2"));
    // Each worker swaps as soon as it has loaded the new version; the line comes once all have.
    await until(
      "the swap",
      () => /rusm dev: swapped in \d+ ms: app reloaded/.test(rusm.stderr()),
      rusm,
    );
    // The swap reached both workers (the kernel spreads connections over them).
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${rusm.url}/hello`, { headers: { connection: "close" } });
      expect(await res.text()).toBe("hello v2\n");
    }

    // After the swap, both streams go on, on their first connections (no reconnect).
    const [otherAt, beforeAt] = [other.events.length, before.events.length];
    await until(
      "both streams flowing after the swap",
      () => other.events.length > otherAt + 5 && before.events.length > beforeAt + 5,
      rusm,
    );
    expect(other.errors).toBe(0);
    expect(before.errors).toBe(0);
    expect(other.events.slice(0, 3)).toEqual(["tick 0", "tick 1", "tick 2"]);
    // The stream opened before the swap is still the old version's process: v1, contiguous.
    const n = before.events.length;
    expect(before.events).toEqual(Array.from({ length: n }, (_, i) => `v1 ${i}`));

    // A stream opened now gets the new version.
    const after = openFeed(`${rusm.url}/feed`);
    feeds.push(after);
    await until("a new stream", () => after.events.length > 0, rusm);
    expect(after.events[0]).toBe("v2 0");
    for (const feed of [other, before, after]) feed.close();
  });

  it("prints a syntax error with file:line and keeps serving the last good version", async () => {
    const from = rusm.stderr().length;
    await writeFile(
      join(dir, "src", "version.ts"),
      `export const VERSION = "v3";\nexport const broken = (;\n`,
    );
    await until("the build error", () => rusm.stderr().slice(from).includes("failed"), rusm);
    const printed = rusm.stderr().slice(from);
    expect(printed).toContain("error[RUSM_GUEST_BUILD] src/version.ts:2:24:");
    expect(printed).toContain("build of app failed: still serving its last good version");
    expect(await hello(rusm)).toBe("hello v2\n");

    // Fixed: rebuilt and swapped.
    await writeFile(join(dir, "src", "version.ts"), version("v4"));
    await until("the fixed answer", async () => (await hello(rusm)) === "hello v4\n", rusm);
  });

  it("prints a bad routes.toml's error with file:line and keeps serving; a good one is applied", async () => {
    const from = rusm.stderr().length;
    await writeFile(join(dir, "routes.toml"), ROUTES.replace("drain-ms = 1000", 'drain-ms = "x"'));
    await until("the config error", () => rusm.stderr().slice(from).includes("not applied"), rusm);
    const printed = rusm.stderr().slice(from);
    expect(printed).toContain("error[RUSM_CONFIG_INVALID] routes.toml:3:12: serve.drain-ms");
    expect(printed).toContain("routes.toml not applied: still serving its last good version");
    expect(await hello(rusm)).toBe("hello v4\n");

    // A route to a function the component lacks: valid TOML, refused at the swap, at its line.
    const at = rusm.stderr().length;
    await writeFile(join(dir, "routes.toml"), ROUTES.replace('"app#hello"', '"app#nope"'));
    await until("the route error", () => rusm.stderr().slice(at).includes("not swapped"), rusm);
    expect(rusm.stderr().slice(at)).toContain(
      'error[RUSM_CONFIG_INVALID] routes.toml:11:16: route "GET /hello" names handler "app#nope"',
    );
    expect(await hello(rusm)).toBe("hello v4\n");

    // Valid: a new route is served at once; a new drain time needs a restart (said so).
    const good = ROUTES.replace("drain-ms = 1000", "drain-ms = 2000").concat(
      '"GET /hi" = "app#hello"\n',
    );
    await writeFile(join(dir, "routes.toml"), good);
    await until("the new route", async () => (await fetch(`${rusm.url}/hi`)).status === 200, rusm);
    expect(rusm.stderr()).toContain("[serve] drain-ms changed: restart rusm dev to apply");
    expect(await hello(rusm)).toBe("hello v4\n");
  });
});

describe("rusm dev --help", () => {
  it("describes the command with an example", async () => {
    const run = await runRusm(["dev", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: rusm dev [options] <routes.toml>");
    expect(run.stdout).toContain("rusm dev routes.toml");
    expect(run.stdout).toContain('source = "src/app.ts"');
  });
});

describe("rusm dev: a source that does not build at start, a component without a source", () => {
  let dir: string;
  let rusm: ListeningRusm;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rusm-dev-test-"));
    await mkdir(join(dir, "src"));
    await mkdir(join(dir, "build"));
    // An earlier build, then a broken source; and a component served from its .wasm alone.
    await copyFile(guest("ts-hello", "quickjs"), join(dir, "build", "app.wasm"));
    await writeFile(join(dir, "src", "app.ts"), "export default function handle( {\n");
    await copyFile(guest("ts-hello", "quickjs"), join(dir, "plain.wasm"));
    await writeFile(
      join(dir, "routes.toml"),
      `[components]
app = { path = "build/app.wasm", source = "src/app.ts", engine = "quickjs" }
plain = "plain.wasm"

[serve.routes]
"GET /app" = "app"
"GET /plain" = "plain"
`,
    );
    rusm = await spawnRusm(["routes.toml", "--listen", "127.0.0.1:0"], {
      command: "dev",
      cwd: dir,
      timeoutMs: 240_000,
    });
  }, 250_000);

  afterAll(async () => {
    if (rusm !== undefined) expect(await stopServer(rusm.child, rusm.exited)).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the build error and serves the component file an earlier build left", async () => {
    expect(rusm.stderr()).toContain("error[RUSM_GUEST_BUILD] src/app.ts:2:1:");
    expect(rusm.stderr()).toContain("build of app failed: serving the component built before");
    expect(await (await fetch(`${rusm.url}/app`)).text()).toBe("hello from typescript\n");
  });

  it("reloads a component without a source when its .wasm file changes", async () => {
    expect(await (await fetch(`${rusm.url}/plain`)).text()).toBe("hello from typescript\n");
    await copyFile(guest("ts-handlers", "quickjs"), join(dir, "plain.wasm.tmp"));
    await rename(join(dir, "plain.wasm.tmp"), join(dir, "plain.wasm"));
    // ts-handlers has no default handle: routed by component name it answers no more "hello".
    await until(
      "the new plain.wasm served",
      async () => (await (await fetch(`${rusm.url}/plain`)).text()) !== "hello from typescript\n",
      rusm,
    );
    expect(rusm.stderr()).toMatch(/swapped in \d+ ms: plain reloaded/);
  });

  it("keeps serving a component whose new .wasm file does not load, and says why", async () => {
    // The version served now (ts-handlers, routed by name: it has no default handle) answers a
    // 500 naming the process; a different text would be another version.
    const answer = async (): Promise<string> =>
      (await (await fetch(`${rusm.url}/plain`)).text()).replace(/process \d+/, "process N");
    const served = await answer();
    const from = rusm.stderr().length;
    await writeFile(join(dir, "plain.wasm.tmp"), "not a component");
    await rename(join(dir, "plain.wasm.tmp"), join(dir, "plain.wasm"));
    await until("the load error", () => rusm.stderr().slice(from).includes("not swapped"), rusm);
    expect(rusm.stderr().slice(from)).toMatch(/error\[RUSM_COMPONENT_INVALID\] routes.toml:3:1: /);
    expect(await answer()).toBe(served);
  });
});

describe("rusm dev app.wasm", () => {
  it("is a usage error that says what to do", async () => {
    const run = await runRusm(["dev", "app.wasm"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[RUSM_USAGE] rusm dev takes a routes.toml");
    expect(run.stderr).toContain("rusm serve app.wasm");
  });
});
