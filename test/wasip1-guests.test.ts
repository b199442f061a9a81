/**
 * Components built the way other toolchains build them (issue 14): cargo-component and
 * componentize-dotnet compile the guest for wasm32-wasip1 (its core module imports
 * `wasi_snapshot_preview1`) and make a component with the preview1 adapter, so the component
 * holds several core modules and rusm serves it through jco's glue, not the lean ABI. The
 * wasip1-* guests are built that way from WAT (scripts/build-guests.ts, `preview1.wat`):
 *
 * - they really have several core modules (jco's `metadataShow`), and the server's debug log
 *   says it serves them through jco's glue because of the adapter;
 * - wasip1-hello: a plain answer whose preview1 calls (fd_write, random_get, clock_time_get)
 *   all succeeded, and its stdout line in the logs with its process id;
 * - wasip1-stream: a streamed body (100 events, chunked, a clean end) and a stdout line per
 *   event, written by the adapter with a blocking (suspending) call inside `handle`;
 * - every exit normal.
 */
import { readFile } from "node:fs/promises";
import { metadataShow } from "@bytecodealliance/jco";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { expectExits } from "./helpers/exits.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]\nhello = "${guest("wasip1-hello")}"\nstream = "${guest("wasip1-stream")}"\n\n` +
    `[serve.routes]\n"GET /hello" = "hello"\n"GET /stream" = "stream"\n`,
  "workers = 1",
);

/** The stdout lines the server logged for `component`, with the pid of each. */
function stdoutLines(rusm: Rusm, component: string): Array<{ pid: unknown; line: unknown }> {
  return rusm
    .logs()
    .filter((l) => l.component === component && l.stream === "stdout")
    .map((l) => ({ pid: l.pid, line: l.msg }));
}

describe("wasm32-wasip1-shaped guests (preview1 adapter, several core modules)", () => {
  const rusm = rusmForSuite(TOML, { env: { RUSM_LOG: "debug" } });

  it("each component has four core modules: the guest's, the adapter, the shim and the fixup", async () => {
    for (const name of ["wasip1-hello", "wasip1-stream", "wasip1-drop-request"]) {
      const parts = await metadataShow(new Uint8Array(await readFile(guest(name))));
      const modules = parts.filter((p) => p.metaType.tag === "module");
      expect(modules.length, `${name}: core modules`).toBe(4);
      // The adapter is the one Rust module (wasmtime's wasi-preview1-component-adapter).
      const rust = modules.filter((m) => m.producers.some(([field]) => field === "language"));
      expect(rust.length, `${name}: one adapter module built from Rust`).toBe(1);
    }
  });

  it("is served through jco's glue, because of the adapter", () => {
    const why = rusm
      .logs()
      .filter((l) => l.msg === "served through jco's glue")
      .map((l) => [l.component, l.why]);
    expect(Object.fromEntries(why)).toEqual({
      hello: "it has more than one core module of its own (an adapter?)",
      stream: "it has more than one core module of its own (an adapter?)",
    });
  });

  it("wasip1-hello: a plain answer; fd_write, random_get and clock_time_get all worked", async () => {
    const before = await rusm.exits();
    const res = await request(`${rusm.url}/hello`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain");
    expect(await res.body.text()).toBe("hello from wasip1\nstdout: ok\nrandom: ok\nclock: ok\n");
    await expectExits(rusm, before, { normal: 1 });
    const lines = stdoutLines(rusm, "hello");
    expect(lines.map((l) => l.line)).toEqual(["wasip1-hello: a line on stdout"]);
    expect(typeof lines[0]!.pid).toBe("number");
  });

  it("wasip1-stream: 100 events in a complete chunked body, one stdout line per event", async () => {
    const before = await rusm.exits();
    const raw = await RawHttp.get(rusm.url, "/stream", { connection: "close" });
    await raw.until("the whole response", (r) => r.closed);
    expect(raw.head()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.head()).toContain("content-type: text/event-stream");
    const body = raw.body();
    expect(body.complete, "the terminating chunk arrived").toBe(true);
    expect(body.data).toBe(Array.from({ length: 100 }, (_, i) => `data: tick ${i}\n\n`).join(""));
    await expectExits(rusm, before, { normal: 1 });
    expect(stdoutLines(rusm, "stream").map((l) => l.line)).toEqual(
      Array.from({ length: 100 }, (_, i) => `wasip1-stream: tick ${i}`),
    );
  });

  it("ten of each, concurrently: the same answers, every exit normal", async () => {
    const before = await rusm.exits();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const [hello, stream] = await Promise.all([
          request(`${rusm.url}/hello`).then((r) => r.body.text()),
          request(`${rusm.url}/stream`).then((r) => r.body.text()),
        ]);
        return { hello, events: stream.split("\n\n").length - 1 };
      }),
    );
    for (const a of answers) {
      expect(a.hello).toBe("hello from wasip1\nstdout: ok\nrandom: ok\nclock: ok\n");
      expect(a.events).toBe(100);
    }
    await expectExits(rusm, before, { normal: 20 });
  });
});
