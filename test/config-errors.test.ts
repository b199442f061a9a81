/**
 * Bad config and bad components stop `rusm serve` before anything listens (issue 2, point 2):
 * a non-zero exit, no `listening` line on stdout, and on stderr one `error[RUSM_...]` report
 * naming the file and line (`routes.toml:LINE:COL:`), the key or component, and what was
 * expected. One test per case: unknown key, duplicate route, conflicting routes, missing
 * component file, a core module and a text file where a component should be, a component that
 * does not export wasi:http/incoming-handler (fixture-no-http), a missing routes.toml and a
 * TOML syntax error. The guest fixtures are fixture-core-module and fixture-no-http.
 *
 * Handler routes (issue 3): a `module#function` that no component exports (unknown module,
 * unknown function), a module exported by two components, and a malformed target. They use
 * ts-handlers, whose manifest exports module `api`.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guest, runRusm, writeRoutes, removeTempDirs } from "./helpers/rusm.ts";

interface Case {
  name: string;
  /** routes.toml; `{dir}` is replaced by the file's directory. */
  toml: string;
  code: string;
  /** The 1-based line the error must point at. */
  line: number;
  /** Text the report must contain (the key, the component, what was expected). */
  mentions: string[];
  /** Extra files to write next to routes.toml. */
  files?: Record<string, string>;
}

const HEAD = `[serve]\nlisten = "127.0.0.1:0"\n`;

const CASES: Case[] = [
  {
    name: "an unknown key",
    toml: `${HEAD}max-memroy-mb = 8\n[components]\nhello = "${guest("http-hello")}"\n[serve.routes]\n"GET /" = "hello"\n`,
    code: "RUSM_CONFIG_INVALID",
    line: 3,
    mentions: ["max-memroy-mb", "unknown key", "max-memory-mb"],
  },
  {
    name: "a duplicate route",
    toml: `${HEAD}[components]\nhello = "${guest("http-hello")}"\n[serve.routes]\n"GET /a" = "hello"\n"GET /a" = "hello"\n`,
    code: "RUSM_CONFIG_SYNTAX",
    line: 7,
    mentions: ['"GET /a"', "duplicate", "line 6"],
  },
  {
    name: "conflicting routes (GET /u/:id vs GET /u/:name)",
    toml: `${HEAD}[components]\nhello = "${guest("http-hello")}"\n[serve.routes]\n"GET /u/:id" = "hello"\n"GET /u/:name" = "hello"\n`,
    code: "RUSM_ROUTE_CONFLICT",
    line: 7,
    mentions: ["GET /u/:name", "GET /u/:id", "line 6"],
  },
  {
    name: "a missing component file",
    toml: `${HEAD}[components]\nhello = "nowhere/missing.wasm"\n[serve.routes]\n"GET /" = "hello"\n`,
    code: "RUSM_FILE_NOT_FOUND",
    line: 4,
    mentions: ["components.hello", "nowhere/missing.wasm", "does not exist"],
  },
  {
    name: "a core module, not a component (fixture-core-module)",
    toml: `${HEAD}[components]\ncore = "${guest("fixture-core-module")}"\n[serve.routes]\n"GET /" = "core"\n`,
    code: "RUSM_COMPONENT_INVALID",
    line: 4,
    mentions: ['component "core"', "core WebAssembly module, not a component"],
  },
  {
    name: "a text file, not wasm",
    toml: `${HEAD}[components]\ntext = "text.wasm"\n[serve.routes]\n"GET /" = "text"\n`,
    files: { "text.wasm": "this is not wasm\n" },
    code: "RUSM_COMPONENT_INVALID",
    line: 4,
    mentions: ['component "text"', "not a WebAssembly binary"],
  },
  {
    name: "a component that does not export wasi:http/incoming-handler (fixture-no-http)",
    toml: `${HEAD}[components]\ncli = "${guest("fixture-no-http")}"\n[serve.routes]\n"GET /" = "cli"\n`,
    code: "RUSM_COMPONENT_NOT_HTTP",
    line: 4,
    mentions: ['component "cli"', "wasi:http/incoming-handler", "wasi:cli/run"],
  },
  {
    name: "a handler route to a module no component exports",
    toml: `${HEAD}[components]\nhandlers = { path = "${guest("ts-handlers")}", max-memory-mb = 128 }\n[serve.routes]\n"GET /feed" = "api#feed"\n"GET /news" = "news#feed"\n`,
    code: "RUSM_CONFIG_INVALID",
    line: 7,
    mentions: ['"news#feed"', 'no component exports a module "news"', "api (handlers)"],
  },
  {
    name: "a handler route to a function the module does not have",
    toml: `${HEAD}[components]\nhandlers = { path = "${guest("ts-handlers")}", max-memory-mb = 128 }\n[serve.routes]\n"GET /x" = "api#nope"\n`,
    code: "RUSM_CONFIG_INVALID",
    line: 6,
    mentions: ['"api#nope"', 'has no function "nope"', "it has: feed, every, deaf, user"],
  },
  {
    name: "a handler module exported by two components",
    toml: `${HEAD}[components]\none = { path = "${guest("ts-handlers")}", max-memory-mb = 128 }\ntwo = { path = "${guest("ts-handlers")}", max-memory-mb = 128 }\n[serve.routes]\n"GET /feed" = "api#feed"\n`,
    code: "RUSM_CONFIG_INVALID",
    line: 5,
    mentions: ['handler module "api" is exported by two components', '"one" (line 4)', '"two"'],
  },
  {
    name: "a malformed handler target",
    toml: `${HEAD}[components]\nhandlers = "${guest("ts-handlers")}"\n[serve.routes]\n"GET /x" = "api#"\n`,
    code: "RUSM_CONFIG_INVALID",
    line: 6,
    mentions: ['"api#" is not a handler', "module#function"],
  },
  {
    name: "a TOML syntax error (unterminated string)",
    toml: `${HEAD}[components]\nhello = "${guest("http-hello")}\n[serve.routes]\n"GET /" = "hello"\n`,
    code: "RUSM_CONFIG_SYNTAX",
    line: 4,
    mentions: ["invalid TOML"],
  },
];

describe("rusm serve refuses bad config and bad components before listening", () => {
  afterAll(removeTempDirs);

  it.each(CASES)("$name: error[$code] at routes.toml:$line", async (c) => {
    const file = await writeRoutes(c.toml);
    for (const [name, text] of Object.entries(c.files ?? {}))
      await writeFile(join(dirname(file), name), text);

    const run = await runRusm(["serve", file]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stdout, "nothing listened").not.toMatch(/listening/);
    expect(run.stderr).toContain(`error[${c.code}]`);
    expect(run.stderr).toContain(`${file}:${c.line}:`);
    for (const text of c.mentions) expect(run.stderr).toContain(text);
  });

  it("a missing routes.toml: error[RUSM_FILE_NOT_FOUND] naming the file", async () => {
    const file = join(dirname(await writeRoutes("")), "no-such-routes.toml");
    const run = await runRusm(["serve", file]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toMatch(/listening/);
    expect(run.stderr).toContain("error[RUSM_FILE_NOT_FOUND]");
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain("does not exist");
  });
});
