import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { deriveStarlingMonkeyWit, stripWorlds } from "./wit.ts";

describe("stripWorlds", () => {
  it("removes top-level worlds with nested braces and keeps interfaces", () => {
    const wit = [
      "package a:b@0.2.12;",
      "interface i {",
      "  f: func();",
      "}",
      "world w {",
      "  import x: interface { g: func(); }",
      "  // a brace in a comment: }",
      "  export i;",
      "}",
      "world v { include w; }",
      "interface j {}",
    ].join("\n");
    expect(stripWorlds(wit)).toBe(
      ["package a:b@0.2.12;", "interface i {", "  f: func();", "}", "interface j {}"].join("\n"),
    );
  });
});

describe("deriveStarlingMonkeyWit", () => {
  it("writes 0.2.10 interface-only deps and the http-guest world", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rusm-wit-test-"));
    try {
      await deriveStarlingMonkeyWit(dir);
      expect((await readdir(join(dir, "deps"))).sort()).toEqual([
        "cli",
        "clocks",
        "http",
        "io",
        "random",
      ]);
      const http = await readFile(join(dir, "deps", "http", "package.wit"), "utf8");
      expect(http).toContain("package wasi:http@0.2.10;");
      expect(http).not.toContain("0.2.12");
      expect(http).not.toMatch(/^\s*world\s/m);
      const world = await readFile(join(dir, "world.wit"), "utf8");
      expect(world).toContain("export wasi:http/incoming-handler@0.2.10;");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
