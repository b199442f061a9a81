import { SourceMap, type SourceMapPayload } from "node:module";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { mapBundlePositions } from "../component/source-map.ts";
import { rejectedRusmError } from "../errors.test-support.ts";
import { useTempDir } from "../temp-dir.test-support.ts";
import { buildGuest } from "./guest-build.ts";

const tmp = useTempDir("rusm-guest-build-test-");
const write = tmp.write;

// mapBundlePositions lives in component/source-map.ts (the host maps crash logs with it too);
// tested here against a bundle made the way buildGuest makes one.
describe("mapBundlePositions", () => {
  // The interface and the type annotations move the `new Error` of line 5, column 36 in the
  // bundle: a mapping that only passed positions through would fail.
  const SOURCE = [
    "interface Shape {",
    "  n: number;",
    "}",
    "export function f(shape: Shape): Error {",
    "  const n: number = shape.n, err = new Error(`boom ${n}`);",
    "  return err;",
    "}",
    "",
  ].join("\n");
  let src = "";
  let map: SourceMap;
  /** 1-based line:column of `new Error` in the bundle. */
  let at = "";

  beforeAll(async () => {
    src = await write("src.ts", SOURCE);
    const result = await build({
      entryPoints: [src],
      bundle: true,
      format: "esm",
      sourcemap: "external",
      outfile: join(tmp.path, "guest.js"),
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const mapText = result.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
    const payload = JSON.parse(mapText) as SourceMapPayload;
    payload.sources = payload.sources.map((s) => join(tmp.path, s));
    map = new SourceMap(payload);
    const lines = code.split("\n");
    const line = lines.findIndex((l) => l.includes("new Error"));
    at = `${line + 1}:${lines[line]!.indexOf("new Error") + 1}`;
    expect(at).not.toBe("5:36");
  });

  it("rewrites guest.js positions, bare or with a directory, to the source file's", () => {
    const text = `Error: boom 1\n  at f (guest.js:${at})\n  at /work/x/guest.js:${at}\n`;
    // The source is outside the working directory: shown absolute.
    expect(relative(process.cwd(), src).startsWith("..")).toBe(true);
    expect(mapBundlePositions(text, map)).toBe(
      `Error: boom 1\n  at f (${src}:5:36)\n  at ${src}:5:36\n`,
    );
  });

  it("rewrites StarlingMonkey's frame@file form, and never the tail of another file name", () => {
    expect(mapBundlePositions(`f@guest.js:${at}`, map)).toBe(`f@${src}:5:36`);
    const others = `myguest.js:${at} | notguest.js:${at} | a-guest.js:${at}`;
    expect(mapBundlePositions(others, map)).toBe(others);
  });

  it("leaves text without positions unchanged", () => {
    const text = "Error: boom\n  at <anonymous>\n  in guest.js, somewhere\n  other.js:3:9";
    expect(mapBundlePositions(text, map)).toBe(text);
  });

  it("leaves a position with no mapping (the bundle's comment line) unchanged", () => {
    expect(mapBundlePositions("at guest.js:1:1", map)).toBe("at guest.js:1:1");
  });
});

describe("buildGuest: errors before componentize", () => {
  const run = (entry: string) =>
    rejectedRusmError(() => buildGuest({ entry, out: join(tmp.path, "out.wasm"), cacheDir: null }));

  it("refuses a missing entry", async () => {
    const entry = join(tmp.path, "missing.ts");
    const err = await run(entry);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.message).toBe(`no guest entry at ${entry}`);
  });

  it("refuses a directory as the entry", async () => {
    expect((await run(tmp.path)).code).toBe("RUSM_FILE_NOT_FOUND");
  });

  it("refuses an entry that is not .ts, .mts, .js or .mjs", async () => {
    const entry = await write("guest.txt", "export default function handle() {}\n");
    const err = await run(entry);
    expect(err.code).toBe("RUSM_GUEST_BUILD");
    expect(err.message).toBe(`${entry} is not a TypeScript or JavaScript module`);
    expect(err.hint).toContain(".ts, .mts, .js or .mjs");
  });

  it("points a syntax error at the author's file:line:column", async () => {
    const entry = await write("bad.ts", "export const api = {};\nconst x: number = ;\n");
    const err = await run(entry);
    expect(err.code).toBe("RUSM_GUEST_BUILD");
    expect(err.where).toEqual({ file: entry, line: 2, column: 19 });
    expect(err.message).toBe(`cannot bundle the guest: Unexpected ";"`);
  });

  it("counts the further bundle errors", async () => {
    const entry = await write("imports.ts", `import "./nope-a.ts";\nimport "./nope-b.ts";\n`);
    const err = await run(entry);
    expect(err.code).toBe("RUSM_GUEST_BUILD");
    expect(err.where).toEqual({ file: entry, line: 1, column: 8 });
    expect(err.message).toBe(
      `cannot bundle the guest: Could not resolve "./nope-a.ts" (and 1 more)`,
    );
  });

  it.each([
    ["no exports", "const x = 1;\nconsole.log(x);\n"],
    ["only a type export", "export type Handler = (r: Request) => Response;\n"],
  ])("refuses an entry with %s", async (_case, text) => {
    const entry = await write("empty.ts", text);
    const err = await run(entry);
    expect(err.code).toBe("RUSM_GUEST_BUILD");
    // Outside the working directory: the path is shown absolute, not as ../../tmp/...
    expect(err.message).toBe(`${entry} exports nothing rusm can serve`);
    expect(err.where).toEqual({ file: entry, line: 1, column: 1 });
  });
});
