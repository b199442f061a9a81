/**
 * Rust guests built with the `rusm_rs` crate (issue 7), served by a real `rusm serve`. The
 * lifecycle rows every guest language shares (rs-handlers: finite and endless feeds,
 * back-pressure, params, every SSE field, a request body, a panic mid-stream or before
 * responding, routing by name; rs-live: `broker::subscribe` + `sse.run(heartbeat_ms, map)`) run
 * in test/sdk-lifecycle.test.ts. Here what only the Rust guests have:
 *
 * - rs-seed-feed, the seed's Rust example as written: an endless feed; a client that reads then
 *   leaves (the loop sees `false` and ends: exit `disconnected`) and back-pressure;
 * - rs-handlers: out of memory mid-stream (`oom`);
 * - `rusm build <Cargo project>` makes a component that serves.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, guest, routes, runRusm, rusmForSuite, startRusm } from "./helpers/rusm.ts";
import { expectBackPressure, expectReadThenLeave } from "./helpers/feeds.ts";
import { readBody } from "./helpers/clients.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

const BODY_BUFFER_KB = 16;

/** The seed's example routes `api#feed` as the seed does, so it gets a server of its own. */
const SEED_TOML = routes(`
[components]
seed = { path = "${guest("rs-seed-feed")}", max-memory-mb = 16, body-buffer-kb = ${BODY_BUFFER_KB} }

[serve.routes]
"GET /feed" = "api#feed"
`);

const TOML = routes(`
[components]
rs = { path = "${guest("rs-handlers")}", max-memory-mb = 16, body-buffer-kb = ${BODY_BUFFER_KB} }

[serve.routes]
"GET /hog" = "api#hog"
`);

describe("the seed's Rust example (rs-seed-feed): api#feed, endless", () => {
  const rusm = rusmForSuite(SEED_TOML);

  it("a client reads >= 20 events then leaves: sse.data returns false, the loop breaks, exit disconnected", async () => {
    // A loop that never saw false would be killed after the disconnect grace (`killed`).
    await expectReadThenLeave(rusm, `${rusm.url}/feed`, 20);
  });

  it("back-pressure: a stalled reader parks the feed in sse.data (bounded, idle CPU), then it resumes", async () => {
    await expectBackPressure(rusm, "/feed", BODY_BUFFER_KB * 1024);
  });
});

describe("Rust guests (rusm_rs): rs-handlers, what the shared rows do not cover", () => {
  const rusm = rusmForSuite(TOML);

  it("out of memory mid-stream: truncated body (1 event), exit oom", async () => {
    const before = await rusm.exits();
    const read = await readBody(`${rusm.url}/hog`);
    expect(read.status).toBe(200);
    expect(read.text).toBe("data: hungry\n\n");
    expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
    await expectExits(rusm, before, { oom: 1 });
    await untilNoProcesses(rusm);
  });
});

describe("rusm build <Cargo project>", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("builds the seed's crate into a component that rusm serves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rusm-rs-build-"));
    dirs.push(dir);
    const out = join(dir, "seed.wasm");
    // --cache-dir build: cargo's target dir is build/rust-target, where build:guests built std.
    const built = await runRusm(
      ["build", "guests/rs-seed-feed", "-o", out, "--cache-dir", join(ROOT, "build")],
      { timeoutMs: 600_000 },
    );
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(
      /^rusm: built .*seed\.wasm \([\d.]+ KB\) in [\d.]+ s: Rust crate rs_seed_feed/m,
    );
    expect((await stat(out)).size).toBeGreaterThan(1000);
    const served = await startRusm(
      routes(
        `[components]\nseed = { path = "${out}", max-memory-mb = 16 }\n[serve.routes]\n"GET /feed" = "api#feed"\n`,
      ),
    );
    try {
      await expectReadThenLeave(served, `${served.url}/feed`, 5);
    } finally {
      await served.stop();
    }
  }, 600_000);

  it("a handler of the wrong arity is a compile error naming it, at its line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rusm-rs-arity-"));
    dirs.push(dir);
    await mkdir(join(dir, "src"));
    const sdk = JSON.stringify(join(ROOT, "sdk", "rust"));
    await writeFile(
      join(dir, "Cargo.toml"),
      `[package]\nname = "arity"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\nrusm_rs = { path = ${sdk} }\n`,
    );
    await writeFile(
      join(dir, "src", "lib.rs"),
      'use rusm_rs::http::{Request, Response};\n\n#[rusm_rs::handlers]\npub mod api {\n    use super::*;\n    pub fn one(_r: Request) -> Response {\n        Response::text("x")\n    }\n}\n',
    );
    const built = await runRusm(
      ["build", dir, "-o", join(dir, "out.wasm"), "--cache-dir", join(ROOT, "build")],
      { timeoutMs: 600_000 },
    );
    expect(built.code).not.toBe(0);
    expect(built.stderr).toContain(
      "handler `one` takes 1 parameter(s): a handler is `fn(Request, Params, Sse)` (SSE) or `fn(Request, Params) -> Response` (HTTP)",
    );
    expect(built.stderr).toContain("src/lib.rs:6:12");
    expect(built.stderr).toContain("RUSM_GUEST_BUILD");
  }, 600_000);

  it("a crate without a cdylib says how to make one (RUSM_GUEST_BUILD)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rusm-rs-rlib-"));
    dirs.push(dir);
    await mkdir(join(dir, "src"));
    await writeFile(
      join(dir, "Cargo.toml"),
      '[package]\nname = "not-a-guest"\nversion = "0.1.0"\nedition = "2021"\n',
    );
    await writeFile(join(dir, "src", "lib.rs"), "pub fn nothing() {}\n");
    const built = await runRusm(
      [
        "build",
        join(dir, "Cargo.toml"),
        "-o",
        join(dir, "out.wasm"),
        "--cache-dir",
        join(ROOT, "build"),
      ],
      { timeoutMs: 600_000 },
    );
    expect(built.code).not.toBe(0);
    expect(built.stderr).toContain("RUSM_GUEST_BUILD");
    expect(built.stderr).toContain('crate-type = ["cdylib"]');
  }, 600_000);
});
