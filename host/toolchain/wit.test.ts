import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { RUSM_GUEST, RUSM_PUBSUB } from "../catalog/index.ts";

const RUSM_GUEST_VERSION = RUSM_GUEST.version;
const RUSM_PUBSUB_VERSION = RUSM_PUBSUB.version;
import { WIT_DIR, deriveStarlingMonkeyWit, stripWorlds } from "./wit.ts";

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
  it("writes 0.2.10 interface-only deps, rusm:guest's interfaces, and both worlds", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rusm-wit-test-"));
    try {
      await deriveStarlingMonkeyWit(dir);
      expect((await readdir(join(dir, "deps"))).sort()).toEqual([
        "cli",
        "clocks",
        "http",
        "io",
        "random",
        "rusm-guest",
        "rusm-pubsub",
      ]);
      const http = await readFile(join(dir, "deps", "http", "package.wit"), "utf8");
      expect(http).toContain("package wasi:http@0.2.10;");
      expect(http).not.toContain("0.2.12");
      expect(http).not.toMatch(/^\s*world\s/m);
      const world = await readFile(join(dir, "world.wit"), "utf8");
      expect(world).toContain("export wasi:http/incoming-handler@0.2.10;");
      expect(world).toMatch(/world handlers \{\s*include http-guest;/);
      expect(world).toContain("export rusm:guest/manifest@0.1.0;");
      expect(world).toContain("import rusm:pubsub/broker@0.1.0;");
      expect(world).toContain("import rusm:pubsub/mailbox@0.1.0;");
      expect((await readdir(join(dir, "deps", "rusm-pubsub"))).sort()).toEqual([
        "broker.wit",
        "mailbox.wit",
      ]);
      const guestPkg = join(dir, "deps", "rusm-guest");
      expect((await readdir(guestPkg)).sort()).toEqual([
        "context.wit",
        "manifest.wit",
        "package.wit",
        "process.wit",
        "sse.wit",
      ]);
      expect(await readFile(join(guestPkg, "package.wit"), "utf8")).toBe(
        "package rusm:guest@0.1.0;\n",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("wit/", () => {
  it("declares rusm:guest at the version the host implements", async () => {
    const worlds = await readFile(join(WIT_DIR, "worlds.wit"), "utf8");
    expect(worlds).toContain(`package rusm:guest@${RUSM_GUEST_VERSION};`);
  });

  it("declares rusm:pubsub at the version the host implements, in every file", async () => {
    for (const file of ["broker.wit", "mailbox.wit"]) {
      const text = await readFile(join(WIT_DIR, "deps", "pubsub", file), "utf8");
      expect(text).toContain(`package rusm:pubsub@${RUSM_PUBSUB_VERSION};`);
    }
    const worlds = await readFile(join(WIT_DIR, "worlds.wit"), "utf8");
    expect(worlds).toContain(`import rusm:pubsub/broker@${RUSM_PUBSUB_VERSION};`);
  });
});
