/**
 * The SSE lifecycle table (shared/seed/sse-lifecycle.txt) over HTTP/2, on the TLS listener
 * (`[serve] tls`), with node:http2 clients: a finite response ends cleanly; a stream reset
 * (RST_STREAM) is a disconnect; back-pressure is per stream (a stalled stream parks only its own
 * process while another stream on the same connection flows); a trap resets only its own stream;
 * a connection's close ends all of its streams' processes `disconnected`. Also: HTTP/1.1 and
 * WebSocket (wss) on the same port, HTTP/2 streams not held by max-pipelined but by
 * max-in-flight, and a drain that ends open streams cleanly.
 */
import { mkdtempSync } from "node:fs";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientHttp2Session } from "node:http2";
import { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite, startRusm } from "./helpers/rusm.ts";
import {
  cpuOver,
  expectExits,
  IDLE_CPU_MS_PER_S,
  sleep,
  untilNoProcesses,
  untilStalled,
} from "./helpers/exits.ts";
import { ticks } from "./helpers/clients.ts";
import {
  connectH2,
  events,
  get,
  makeCert,
  NGHTTP2_CANCEL,
  NGHTTP2_INTERNAL_ERROR,
  NGHTTP2_NO_ERROR,
} from "./helpers/tls.ts";

const BODY_BUFFER_KB = 16;
const MAX_IN_FLIGHT = 8;
const pair = makeCert(mkdtempSync(join(tmpdir(), "rusm-h2-")));

const TOML = routes(
  `
[components]
finite = "${guest("sse-finite")}"
endless = { path = "${guest("sse-endless")}", body-buffer-kb = ${BODY_BUFFER_KB} }
trap = "${guest("sse-trap-midstream")}"
w = "${guest("ws-wat")}"

[serve.routes]
"GET /finite" = "finite"
"GET /endless" = "endless"
"GET /trap" = "trap"
"GET /ws" = "wat#echo"
`,
  `workers = 1\nmax-pipelined = 1\nmax-in-flight = ${MAX_IN_FLIGHT}\ntls = { cert = "${pair.cert}", key = "${pair.key}" }\n`,
);

describe("HTTP/2 over TLS: the lifecycle table, per stream", () => {
  const rusm = rusmForSuite(TOML);

  it("listens on https://", () => {
    expect(rusm.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("normal finite feed: 5 events, a clean end (END_STREAM, no reset), exit normal", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      const s = get(session, "/finite");
      expect(await s.closed).toBe(NGHTTP2_NO_ERROR);
      expect(s.ended).toBe(true);
      expect(s.status).toBe(200);
      expect(s.headers["content-type"]).toBe("text/event-stream");
      // HTTP/2 has no chunked encoding nor Connection header.
      expect(s.headers["transfer-encoding"]).toBeUndefined();
      expect(s.headers["connection"]).toBeUndefined();
      expect(events(s.text)).toEqual(ticks(5));
    } finally {
      session.close();
    }
    await expectExits(rusm, before, { normal: 1 });
  });

  it("HTTP/1.1 on the same port (ALPN http/1.1): chunked, exit normal", async () => {
    const before = await rusm.exits();
    const got = await new Promise<{ alpn: unknown; te: unknown; text: string }>(
      (resolve, reject) => {
        const req = httpsRequest(
          `${rusm.url}/finite`,
          // ALPN offers HTTP/1.1 only (https.request passes TLS options on; its type lacks them).
          { rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] } as RequestOptions,
          (res) => {
            const alpn = (res.socket as unknown as { alpnProtocol: unknown }).alpnProtocol;
            let text = "";
            res.on("data", (d: Buffer) => (text += d.toString()));
            res.on("end", () =>
              resolve({
                alpn,
                te: res.headers["transfer-encoding"],
                text,
              }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      },
    );
    expect(got.alpn).toBe("http/1.1");
    expect(got.te).toBe("chunked");
    expect(events(got.text)).toEqual(ticks(5));
    await expectExits(rusm, before, { normal: 1 });
  });

  it("a stream reset (RST_STREAM CANCEL) is a disconnect: exit disconnected", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      const s = get(session, "/endless");
      await rusm.until("10 events", () => events(s.text).length >= 10);
      const started = performance.now();
      s.stream.close(NGHTTP2_CANCEL);
      await expectExits(rusm, before, { disconnected: 1 });
      // Reported, not asserted (a wall-clock bound; `rusm check` judges it over HTTP/1.1).
      console.log(`h2 reset to exit disconnected: ${Math.round(performance.now() - started)} ms`);
      expect(events(s.text)).toEqual(ticks(events(s.text).length));
    } finally {
      session.close();
    }
    await untilNoProcesses(rusm);
  });

  it("back-pressure: a stalled stream parks its process, bounded, CPU idle; resumed, it goes on", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      const s = get(session, "/endless");
      await rusm.until("the first event", () => s.bytes > 0);
      s.stream.pause(); // no more WINDOW_UPDATE for this stream: its 64 KiB window fills
      await untilStalled(rusm);
      const buffered = await rusm.metric("rusm_body_buffered_bytes");
      expect(buffered).toBeLessThanOrEqual(2 * BODY_BUFFER_KB * 1024 + 64 * 1024);
      expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
      const stalledAt = s.bytes;
      s.stream.resume();
      await rusm.until("bytes past the stall", () => s.bytes > stalledAt + 64 * 1024);
      expect(events(s.text)).toEqual(ticks(events(s.text).length));
      s.stream.close(NGHTTP2_CANCEL);
    } finally {
      session.close();
    }
    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  it("back-pressure is per stream: a stalled stream does not hold another on the same connection", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      const stalled = get(session, "/endless");
      const flowing = get(session, "/endless");
      await rusm.until("both streams started", () => stalled.bytes > 0 && flowing.bytes > 0);
      stalled.stream.pause();
      // The stalled stream's window fills: its bytes stop growing.
      let last = -1;
      await rusm.until("the paused stream stops growing", async () => {
        const now = stalled.stream.readableLength + stalled.bytes;
        const same = now === last;
        last = now;
        await sleep(300);
        return same;
      });
      const flowingAt = flowing.bytes;
      await rusm.until(
        "the other stream of the connection keeps flowing (1 MiB more)",
        () => flowing.bytes > flowingAt + 1024 * 1024,
      );
      expect(stalled.stream.readableLength + stalled.bytes).toBe(last);
      expect(await rusm.metric("rusm_processes")).toBe(2);
      expect(events(flowing.text)).toEqual(ticks(events(flowing.text).length));
    } finally {
      session.close();
      session.destroy();
    }
    await expectExits(rusm, before, { disconnected: 2 });
    await untilNoProcesses(rusm);
  });

  it("a trap mid-stream resets only its stream (RST_STREAM INTERNAL_ERROR); the others go on", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      const other = get(session, "/endless");
      await rusm.until("the other stream flows", () => other.bytes > 0);
      const trap = get(session, "/trap");
      expect(await trap.closed).toBe(NGHTTP2_INTERNAL_ERROR);
      expect(trap.status).toBe(200);
      expect(trap.ended, "the trapped stream never ends cleanly").toBe(false);
      const at = other.bytes;
      await rusm.until("the other stream still flows", () => other.bytes > at + 64 * 1024);
      expect(session.closed).toBe(false);
      other.stream.close(NGHTTP2_CANCEL);
    } finally {
      session.close();
    }
    await expectExits(rusm, before, { trap: 1, disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  it("a connection's close ends all of its streams' processes as disconnected", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    const streams = [0, 1, 2].map(() => get(session, "/endless"));
    await rusm.until("3 streams flow", () => streams.every((s) => s.bytes > 0));
    expect(await rusm.metric("rusm_processes")).toBe(3);
    session.destroy(); // the TCP connection goes, with no RST_STREAM of its own
    await expectExits(rusm, before, { disconnected: 3 });
    await untilNoProcesses(rusm);
  });

  it("streams of one connection are not held by max-pipelined; max-in-flight bounds them (503)", async () => {
    const before = await rusm.exits();
    const session = await connectH2(rusm.url);
    try {
      // max-pipelined = 1 would hold all but one of these over HTTP/1.1.
      const open = Array.from({ length: MAX_IN_FLIGHT }, () => get(session, "/endless"));
      await rusm.until(`${MAX_IN_FLIGHT} streams flow at once`, () =>
        open.every((s) => s.bytes > 0),
      );
      const refused = get(session, "/endless");
      expect(await refused.closed).toBe(NGHTTP2_NO_ERROR);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("1");
      // The refusal ended its stream only: the connection serves on once a slot frees.
      open[0]!.stream.close(NGHTTP2_CANCEL);
      await rusm.until(
        "a slot frees",
        async () => (await rusm.metric("rusm_processes")) < MAX_IN_FLIGHT,
      );
      const finite = get(session, "/finite");
      expect(await finite.closed).toBe(NGHTTP2_NO_ERROR);
      expect(finite.status).toBe(200);
    } finally {
      session.destroy();
    }
    await expectExits(rusm, before, { normal: 1, disconnected: MAX_IN_FLIGHT });
    await untilNoProcesses(rusm);
  });

  it("a WebSocket over HTTP/1.1 on the TLS port (wss) echoes, and ends disconnected", async () => {
    const before = await rusm.exits();
    const ws = new WebSocket(`${rusm.url.replace("https", "wss")}/ws`, {
      rejectUnauthorized: false,
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once("open", () => ws.send("over tls"));
      ws.once("message", (m: Buffer) => resolve(m.toString()));
      ws.once("error", reject);
    });
    expect(echoed).toBe("over tls");
    ws.terminate();
    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });
});

describe("HTTP/2 drain on shutdown", () => {
  it("SIGTERM ends open HTTP/2 streams cleanly, and rusm exits 0", async () => {
    const rusm = await startRusm(TOML);
    const session = await connectH2(rusm.url);
    const streams = [get(session, "/endless"), get(session, "/endless")];
    await rusm.until("2 streams flow", () => streams.every((s) => s.bytes > 0));
    expect(await rusm.stop()).toBe(0);
    const codes = await Promise.all(streams.map((s) => s.closed));
    expect(codes).toEqual([NGHTTP2_NO_ERROR, NGHTTP2_NO_ERROR]);
    expect(streams.map((s) => s.ended)).toEqual([true, true]);
    session.destroy();
  });
});

describe("HTTP/2 idle connections: keep-alive-timeout-ms", () => {
  const IDLE_MS = 1000;
  const rusm = rusmForSuite(
    routes(
      `
[components]
finite = "${guest("sse-finite")}"
endless = { path = "${guest("sse-endless")}", body-buffer-kb = ${BODY_BUFFER_KB} }

[serve.routes]
"GET /finite" = "finite"
"GET /endless" = "endless"
`,
      `workers = 1\nkeep-alive-timeout-ms = ${IDLE_MS}\ntls = { cert = "${pair.cert}", key = "${pair.key}" }\n`,
    ),
  );

  it("a connection with no stream open is closed once idle; one whose stream is stalled is kept", async () => {
    const before = await rusm.exits();
    const busy = await connectH2(rusm.url);
    const closed = new Set<string>();
    busy.once("close", () => closed.add("busy"));
    let idle: ClientHttp2Session | null = null;
    try {
      const s = get(busy, "/endless");
      await rusm.until("the first event", () => s.bytes > 0);
      s.stream.pause(); // no frames on this connection from now on: only its open stream
      await untilStalled(rusm);

      // A finished request, then nothing: the server closes the connection.
      idle = await connectH2(rusm.url);
      idle.once("close", () => closed.add("idle"));
      const done = get(idle, "/finite");
      expect(await done.closed).toBe(NGHTTP2_NO_ERROR);
      await rusm.until("the idle connection closed by rusm", () => closed.has("idle"));

      // The stalled stream's connection stays, well past the timeout, and its stream goes on.
      await sleep(3 * IDLE_MS);
      expect(closed.has("busy")).toBe(false);
      const stalledAt = s.bytes;
      s.stream.resume();
      await rusm.until("bytes past the stall", () => s.bytes > stalledAt + 64 * 1024);

      // Its stream ended, that connection is idle too.
      s.stream.close(NGHTTP2_CANCEL);
      await rusm.until("the emptied connection closed by rusm", () => closed.has("busy"));
    } finally {
      idle?.destroy();
      busy.destroy();
    }
    await expectExits(rusm, before, { normal: 1, disconnected: 1 });
    await untilNoProcesses(rusm);
  });
});
