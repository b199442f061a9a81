/**
 * `rusm new <dir>` (issue 3, point 5): the scaffold builds and serves in two commands,
 * `npm install` then `npm start`, and its own test (`npm test`, which uses `rusm/testing`)
 * passes. Runs real npm: `npm install` links this checkout (`file:`) and installs the `node`
 * package from npm's cache (this project's `npm ci` put the same version there).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sseData } from "./helpers/raw-http.ts";
import { ROOT, runRusm } from "./helpers/rusm.ts";

const NPM_TIMEOUT_MS = 300_000;

function npm(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn("npm", args, { cwd, env: process.env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => done({ code, output }));
  });
}

describe("rusm new", () => {
  let parent: string;
  let dir: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "rusm-new-test-"));
    dir = join(parent, "My Feed");
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("scaffolds source, routes, a test, README and package.json, and says what to run", async () => {
    const run = await runRusm(["new", dir], { cwd: parent });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("rusm: created My Feed/");
    expect(run.stdout).toContain("npm install");
    expect(run.stdout).toContain("npm start");
    const files = (await readdir(dir, { recursive: true })).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        ".gitignore",
        "README.md",
        "package.json",
        "routes.toml",
        "src/app.ts",
        "test/app.test.ts",
        "tsconfig.json",
      ]),
    );
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      name: string;
      devDependencies: Record<string, string>;
    };
    expect(pkg.name).toBe("my-feed");
    expect(pkg.devDependencies["rusm"]).toBe(`file:${ROOT.replace(/\/$/, "")}`);
    expect(await readFile(join(dir, "routes.toml"), "utf8")).toContain(`"GET /feed" = "api#feed"`);
  });

  it("refuses a directory that is not empty", async () => {
    const run = await runRusm(["new", dir], { cwd: parent });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("already exists and is not empty");
  });

  it(
    "npm install, then npm start: builds and serves the feed and the hello route",
    async () => {
      const install = await npm(["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
      expect(install.code, install.output).toBe(0);

      // `npm start -- --listen …` appends to `rusm serve routes.toml`: a free port for the test.
      const start = spawn("npm", ["start", "--", "--listen", "127.0.0.1:0"], {
        cwd: dir,
        env: process.env,
        detached: true,
      });
      let output = "";
      start.stdout.on("data", (d: Buffer) => (output += d.toString()));
      start.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<void>((done) => start.on("exit", () => done()));
      try {
        const url = await new Promise<string>((done, fail) => {
          const timer = setTimeout(() => fail(new Error(`no listening line:\n${output}`)), 180_000);
          start.stdout.on("data", () => {
            const m = /rusm listening on (http:\/\/\S+)/.exec(output);
            if (m !== null) {
              clearTimeout(timer);
              done(m[1]!);
            }
          });
        });
        expect(output).toContain("rusm: built build/app.wasm");
        expect(await (await fetch(`${url}/hello/you`)).text()).toBe("hello, you\n");

        const controller = new AbortController();
        const res = await fetch(`${url}/feed?every=5`, { signal: controller.signal });
        expect(res.headers.get("content-type")).toBe("text/event-stream");
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while (!text.includes("data: tick 2\n\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        // Events every 5 ms: tick 3 may come in the same read as tick 2.
        expect(sseData(text).slice(0, 3)).toEqual(["tick 0", "tick 1", "tick 2"]);
        controller.abort();
      } finally {
        // npm, its shell and rusm share the process group.
        process.kill(-start.pid!, "SIGTERM");
        await exited;
      }
    },
    NPM_TIMEOUT_MS,
  );

  it(
    "the scaffold's own test passes (npm test: rusm/testing, then rusm check)",
    async () => {
      const test = await npm(["test"], dir);
      expect(test.code, test.output).toBe(0);
      expect(test.output).toMatch(/# pass 2|ℹ pass 2/);
      expect(test.output).toMatch(/# fail 0|ℹ fail 0/);
      // Then `rusm check routes.toml`: the lifecycle rows on both routes.
      expect(test.output).toMatch(/passed: 2 routes, \d+ rows, \d+ passed, 0 failed/);
    },
    NPM_TIMEOUT_MS,
  );
});
