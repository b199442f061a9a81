/**
 * Outbound HTTP from a Rust guest (issue 18): rs-fetch (`rusm_rs::http::fetch` and `Fetch`) on
 * the lean ABI, against a node:http upstream on 127.0.0.1:
 *
 * - a GET; a POST body streamed in pieces; an upstream event stream forwarded through `Sse`
 *   (and the client's leaving closes the upstream connection);
 * - `request-options` timeouts: first byte (an upstream that never answers), between bytes (one
 *   that stalls after a first chunk), each ending as `connection-read-timeout` with the upstream
 *   connection closed; a refused connection as `connection-refused`;
 * - a denied origin as `HTTP-request-denied`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";
import { startUpstream, type Upstream } from "./helpers/upstream.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { openFeed, ticks } from "./helpers/clients.ts";

let upstream: Upstream;
let rusm: Rusm;
let closedPort: number;

beforeAll(async () => {
  upstream = await startUpstream();
  const other = await startUpstream();
  closedPort = other.port;
  await other.close();
  rusm = await startRusm(
    routes(`
[components]
fetch = { path = "${guest("rs-fetch")}", allow-outbound = ["${upstream.origin}", "http://127.0.0.1:${closedPort}"] }

[serve.routes]
"GET /get" = "api#get"
"GET /timed" = "api#timed"
"GET /upload" = "api#upload"
"GET /feed" = "api#feed"
`),
  );
}, 300_000);

afterAll(async () => {
  expect(await rusm.stop()).toBe(0);
  await upstream.close();
});

const q = (path: string, u: string, extra = ""): string =>
  `${rusm.url}${path}?u=${encodeURIComponent(u)}${extra}`;

describe("outbound HTTP from Rust (rs-fetch)", () => {
  it("a GET", async () => {
    const res = await fetch(q("/get", `${upstream.origin}/json`));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`200 {"hello":"world","n":42}`);
  });

  it("a POST body streamed in pieces, echoed back whole", async () => {
    const res = await fetch(q("/upload", `${upstream.origin}/echo`, "&kb=1024"));
    expect(await res.text()).toBe(`200 ${1024 * 1024}\n`);
    expect(upstream.lastEchoBytes()).toBe(1024 * 1024);
  });

  it("a denied origin: HTTP-request-denied", async () => {
    const res = await fetch(q("/get", "http://127.0.0.1:1/json"));
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("error: HTTP-request-denied\n");
  });

  it("a refused connection: connection-refused", async () => {
    const res = await fetch(q("/get", `http://127.0.0.1:${closedPort}/json`));
    expect(await res.text()).toBe("error: connection-refused\n");
  });

  it("first-byte timeout: connection-read-timeout, the upstream connection closed", async () => {
    const cut = upstream.cutShort("/hang");
    const res = await fetch(q("/timed", `${upstream.origin}/hang`, "&first=300"));
    expect(res.status).toBe(504);
    expect(await res.text()).toBe("error: connection-read-timeout\n");
    await rusm.until("the upstream connection closed", () => upstream.cutShort("/hang") > cut);
  });

  it("between-bytes timeout: the body fails midway, the upstream connection closed", async () => {
    const cut = upstream.cutShort("/stall");
    const res = await fetch(q("/timed", `${upstream.origin}/stall`, "&between=300"));
    expect(res.status).toBe(504);
    expect(await res.text()).toBe("error: body-failed\n");
    await rusm.until("the upstream connection closed", () => upstream.cutShort("/stall") > cut);
    expect(
      await rusm.metric("rusm_outbound_requests_total", {
        component: "fetch",
        status: "connection-read-timeout",
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("an upstream event stream forwarded through Sse; the client's leaving closes the upstream", async () => {
    const before = await rusm.exits();
    const cut = upstream.cutShort("/sse");
    const feed = openFeed(q("/feed", `${upstream.origin}/sse`));
    await rusm.until("three forwarded events", () => feed.events.length >= 3);
    expect(feed.events.slice(0, 3)).toEqual(ticks(3).map((t) => t.toUpperCase()));
    feed.close();
    await rusm.until(
      "the upstream connection closed",
      () => upstream.cutShort("/sse") > cut,
      10_000,
    );
    await expectExits(rusm, before, { disconnected: 1 }, 10_000);
    await untilNoProcesses(rusm, 10_000);
  });
});
