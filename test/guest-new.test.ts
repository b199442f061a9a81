/**
 * The installable package and `rusm new` (issue 3, point 5; issue 20, point 1), as a new user
 * meets them with no checkout: `npm pack` gives a tarball (prepack compiles host/ to
 * JavaScript with declarations and source maps; Node strips no types under node_modules), it
 * installs into an empty directory, and from there `npx rusm --version`, `npx rusm new`, `npx
 * rusm build` (of a file in no project at all: the SDK resolves from rusm itself) work. The
 * scaffold depends on rusm by version; its `npm start` builds and serves, its `npm test` passes
 * (rusm/testing, then `rusm check`). Runs real npm against the registry's cache (this project's
 * `npm ci` put the same packages there); rusm itself, unpublished, is installed from the
 * tarball (`npm install --no-save <tarball>`: the scaffold's package.json keeps the version).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sseData } from "./helpers/raw-http.ts";
import { ROOT } from "./helpers/rusm.ts";

const NPM_TIMEOUT_MS = 300_000;
const VERSION = (
  JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;
/** npm flags for every install: the registry's cache first, no audit or funding noise. */
const INSTALL = ["--prefer-offline", "--no-audit", "--no-fund"];

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: process.env });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => done({ code, output, stdout }));
  });
}

const npm = (args: string[], cwd: string) => run("npm", args, cwd);

describe("the packed rusm, installed into an empty directory, and rusm new", () => {
  let parent: string;
  let dir: string;
  let tarball: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "rusm-new-test-"));
    dir = join(parent, "My Feed");
    const packed = await npm(["pack", "--pack-destination", parent], ROOT);
    expect(packed.code, packed.output).toBe(0);
    tarball = join(parent, `rusm-${VERSION}.tgz`);
    await mkdir(join(parent, "empty"));
    const install = await npm(["install", ...INSTALL, tarball], join(parent, "empty"));
    expect(install.code, install.output).toBe(0);
  }, NPM_TIMEOUT_MS);
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("ships compiled JavaScript: npx rusm --version works from node_modules", async () => {
    const version = await run("npx", ["rusm", "--version"], join(parent, "empty"));
    expect(version.code, version.output).toBe(0);
    expect(version.stdout.split("\n")[0]).toBe(`rusm ${VERSION}`);
    const files = await readdir(join(parent, "empty", "node_modules", "rusm", "host", "cli"));
    expect(files).toContain("main.js");
    expect(files).toContain("main.d.ts");
    expect(files).toContain("main.js.map");
    expect(files).not.toContain("main.ts");
  });

  it(
    "npx rusm build: a guest in no project resolves rusm/guest from rusm itself",
    async () => {
      const loose = join(parent, "loose");
      await mkdir(loose);
      await writeFile(
        join(loose, "hi.ts"),
        `import type { Params } from "rusm/guest";\nexport const api = {\n  hi(_r: Request, p: Params): Response {\n    return new Response(\`hi \${p.who}\\n\`);\n  },\n};\n`,
      );
      const rusm = join(parent, "empty", "node_modules", ".bin", "rusm");
      const built = await run(
        rusm,
        ["build", join(loose, "hi.ts"), "-o", join(loose, "hi.wasm")],
        loose,
      );
      expect(built.code, built.output).toBe(0);
      expect(built.output).toMatch(/rusm: built .*hi\.wasm/);
    },
    NPM_TIMEOUT_MS,
  );

  it("scaffolds source, routes, a test, README and package.json, and says what to run", async () => {
    const made = await run("npx", ["rusm", "new", dir], join(parent, "empty"));
    expect(made.code, made.output).toBe(0);
    expect(made.stdout).toContain("rusm: created");
    expect(made.stdout).toContain("npm install");
    expect(made.stdout).toContain("npm start");
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
    // By version, not by path.
    expect(pkg.devDependencies["rusm"]).toBe(VERSION);
    expect(await readFile(join(dir, "routes.toml"), "utf8")).toContain(`"GET /feed" = "api#feed"`);
  });

  it("refuses a directory that is not empty", async () => {
    const again = await run("npx", ["rusm", "new", dir], join(parent, "empty"));
    expect(again.code).toBe(2);
    expect(again.output).toContain("already exists and is not empty");
  });

  it(
    "npm install, then npm start: builds and serves the feed and the hello route",
    async () => {
      // rusm is not on the registry: the tarball stands in for it, the scaffold keeps its version.
      const install = await npm(["install", ...INSTALL, "--no-save", tarball], dir);
      expect(install.code, install.output).toBe(0);
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
        devDependencies: Record<string, string>;
      };
      expect(pkg.devDependencies["rusm"]).toBe(VERSION);

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
