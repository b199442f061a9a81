/**
 * Rust guests built with the `rusm_rs` crate (issue 7), served by a real `rusm serve` and
 * checked with the same lifecycle assertions as the TypeScript guests (test/ts-guests.test.ts,
 * test/broker-ts.test.ts):
 *
 * - rs-seed-feed, the seed's Rust example as written: an endless feed; a client that reads then
 *   leaves (the loop sees `false` and ends: exit `disconnected`) and back-pressure;
 * - rs-handlers: a finite feed, an HTTP action with params, every SSE field, a request body,
 *   a panic mid-stream (truncated body, `trap`), out of memory (`oom`), a panic before
 *   responding (500, `trap`);
 * - rs-live: `broker::subscribe` + `sse.run(heartbeat_ms, map)`, and a publishing HTTP action;
 * - `rusm build <Cargo project>` makes a component that serves.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { ROOT, guest, routes, runRusm, rusmForSuite, startRusm } from "./helpers/rusm.ts";
import { expectBackPressure, expectReadThenLeave } from "./helpers/feeds.ts";
import { openFeed, readBody, ticks } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { publish, untilSubscriptions } from "./helpers/broker.ts";

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
live = { path = "${guest("rs-live")}", max-memory-mb = 16 }

[serve.routes]
"GET /feed" = "api#feed"
"GET /users/:id" = "api#user"
"GET /users/:id/posts/:post" = "api#user"
"GET /fields" = "api#fields"
"POST /echo/:what" = "api#echo"
"GET /boom" = "api#boom"
"GET /hog" = "api#hog"
"GET /fails" = "api#fails"
"GET /by-name" = "rs"
"GET /news" = "live#news"
"GET /live/:topic" = "live#tail"
"POST /publish/:topic" = "live#publish"
`);

const events = (n: number, from = 0): string =>
  ticks(n, from)
    .map((t) => `data: ${t}\n\n`)
    .join("");

/** `src/lib.rs:LINE:COL` of the first occurrence of `text` in a guest, as a panic reports it. */
async function sourcePosition(name: string, text: string): Promise<string> {
  const lines = (await readFile(join(ROOT, "guests", name, "src", "lib.rs"), "utf8")).split("\n");
  const line = lines.findIndex((l) => l.includes(text));
  expect(line, `${text} in guests/${name}/src/lib.rs`).toBeGreaterThanOrEqual(0);
  return `src/lib.rs:${line + 1}:${lines[line]!.indexOf(text) + 1}`;
}

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

describe("Rust guests (rusm_rs): HTTP actions, every SSE row, the broker", () => {
  const rusm = rusmForSuite(TOML);

  describe("rs-handlers: api#…", () => {
    it("finite SSE action (?n=5): five events, a clean end, the SSE head, exit normal", async () => {
      const before = await rusm.exits();
      const res = await fetch(`${rusm.url}/feed?n=5`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      // text() resolves only on a clean end (the chunked body's last chunk arrived).
      expect(await res.text()).toBe(events(5));
      await expectExits(rusm, before, { normal: 1 });
      await untilNoProcesses(rusm);
    });

    it("endless SSE action: >= 20 events; on disconnect the loop ends (exit disconnected)", async () => {
      await expectReadThenLeave(rusm, `${rusm.url}/feed`, 20);
    });

    it("back-pressure with padded events: bounded buffers, idle CPU, then it resumes", async () => {
      await expectBackPressure(rusm, "/feed?pad=4096", BODY_BUFFER_KB * 1024);
    });

    it("a 2-argument HTTP action gets the route's params (percent-decoded, in pattern order)", async () => {
      const one = await fetch(`${rusm.url}/users/42`);
      expect(one.status).toBe(200);
      expect(one.headers.get("content-type")).toBe("application/json");
      expect(await one.json()).toEqual({ id: "42", params: { id: "42" }, size: 1 });
      const two = await fetch(`${rusm.url}/users/a%20b/posts/7`);
      expect(await two.json()).toEqual({ id: "a b", params: { id: "a b", post: "7" }, size: 2 });
    });

    it("every SSE field: event, comment, multi-line data, id, retry", async () => {
      const res = await fetch(`${rusm.url}/fields`);
      expect(await res.text()).toBe(
        ": hello\n" +
          "event: greeting\ndata: line one\ndata: line two\n\n" +
          "id: 7\ndata: with id\n\n" +
          "event: config\nid: 8\nretry: 2500\ndata: {}\n\n",
      );
    });

    it("an HTTP action reads the request body", async () => {
      const res = await request(`${rusm.url}/echo/soon`, { method: "POST", body: "12345" });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe("echo soon: 5 bytes\n");
    });

    it("a panic mid-stream: truncated body (3 events), exit trap, the panic logged at its line", async () => {
      const before = await rusm.exits();
      const read = await readBody(`${rusm.url}/boom`);
      expect(read.status).toBe(200);
      expect(read.text).toBe(events(3));
      expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
      await expectExits(rusm, before, { trap: 1 });
      const at = await sourcePosition("rs-handlers", 'expect("boom after 3 events")');
      const logged = exitLogs(rusm, { component: "rs", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(
        expect.stringContaining(`api#boom panicked at ${at}:\nboom after 3 events`),
      );
      await untilNoProcesses(rusm);
    });

    it("out of memory mid-stream: truncated body (1 event), exit oom", async () => {
      const before = await rusm.exits();
      const read = await readBody(`${rusm.url}/hog`);
      expect(read.status).toBe(200);
      expect(read.text).toBe("data: hungry\n\n");
      expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
      await expectExits(rusm, before, { oom: 1 });
      await untilNoProcesses(rusm);
    });

    it("a panic before responding: 500 naming the process, exit trap", async () => {
      const before = await rusm.exits();
      const res = await fetch(`${rusm.url}/fails`);
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/the component ended \(trap\) before responding/);
      await expectExits(rusm, before, { trap: 1 });
      const logged = exitLogs(rusm, { component: "rs", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(
        expect.stringMatching(
          /api#fails panicked at src\/lib\.rs:\d+:\d+:\nfails before responding/,
        ),
      );
    });

    it("routed by component name, a handlers-only crate says which handlers to route (500, trap)", async () => {
      const before = await rusm.exits();
      const res = await fetch(`${rusm.url}/by-name`);
      expect(res.status).toBe(500);
      await expectExits(rusm, before, { trap: 1 });
      const logged = exitLogs(rusm, { component: "rs", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(
        expect.stringContaining(
          "route one of its handlers instead: api#feed, api#user, api#fields, api#echo, api#boom, api#hog, api#fails",
        ),
      );
    });
  });

  describe("rs-live: broker::subscribe + sse.run(heartbeat_ms, map)", () => {
    it("a Rust publish reaches every `sse.run(hb, |msg| msg)` subscriber", async () => {
      const before = await rusm.exits();
      const feeds = [openFeed(`${rusm.url}/news?hb=60000`), openFeed(`${rusm.url}/news?hb=60000`)];
      await untilSubscriptions(rusm, "news", 2);
      const res = await fetch(`${rusm.url}/publish/news`, { method: "POST", body: "hello" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ delivered: 2 });
      await rusm.until("both feeds have the message", () =>
        feeds.every((f) => f.events.length === 1),
      );
      for (const feed of feeds) expect(feed.events).toEqual(["hello"]);
      for (const feed of feeds) feed.close();
      await untilSubscriptions(rusm, "news", 0);
      await expectExits(rusm, before, { disconnected: 2, normal: 1 });
    });

    it("heartbeats: a ':' comment line each time heartbeat_ms passes with nothing", async () => {
      const before = await rusm.exits();
      const client = await RawHttp.get(rusm.url, "/news?hb=100");
      await client.until("five heartbeats", (c) => c.body().data.split(":\n").length > 5, 10_000);
      expect(client.body().data).toMatch(/^(:\n)+$/);
      client.destroy();
      await expectExits(rusm, before, { disconnected: 1 });
    });

    it("map: an Event is sent with its fields, None skips the message", async () => {
      const before = await rusm.exits();
      const client = await RawHttp.get(rusm.url, "/live/t.*?hb=60000");
      await untilSubscriptions(rusm, "t.*", 1);
      expect(await publish(rusm, "t.a", "skip")).toEqual({ delivered: 1 });
      expect(await publish(rusm, "t.b", "kept")).toEqual({ delivered: 1 });
      await client.until("one event", (c) => sseData(c.body().data).length === 1);
      expect(client.body().data).toBe("event: t.b\ndata: kept\n\n");
      client.destroy();
      await expectExits(rusm, before, { disconnected: 1 });
    });

    it("a panic in a subscriber's map prunes its subscription: exit trap, truncated bodies", async () => {
      const before = await rusm.exits();
      const clients = await Promise.all(
        [0, 1, 2].map(() => RawHttp.get(rusm.url, "/live/crash?hb=60000")),
      );
      await untilSubscriptions(rusm, "crash", 3);
      expect(await publish(rusm, "crash", "boom")).toEqual({ delivered: 3 });
      await expectExits(rusm, before, { trap: 3 });
      await untilSubscriptions(rusm, "crash", 0);
      expect(await publish(rusm, "crash", "anyone?")).toEqual({ delivered: 0 });
      for (const client of clients) {
        await client.until("the connection closed", (c) => c.closed);
        expect(client.body().complete).toBe(false);
      }
      const logged = exitLogs(rusm, { component: "live", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(
        expect.stringMatching(/live#tail panicked at src\/lib\.rs:\d+:\d+:\nboom on crash/),
      );
      await untilNoProcesses(rusm);
    });
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
