/**
 * Outbound HTTP (issue 18) through a real `rusm serve`, against a real node:http upstream on
 * 127.0.0.1 (test/helpers/upstream.ts), with http-fetch-upstream (StarlingMonkey `fetch()`):
 *
 * - a JSON GET; a POST streamed both ways (the upstream has the first chunk before the client
 *   sends the rest);
 * - a slow client of a 64 MiB upstream body: the upstream is held back (bounded bytes written,
 *   the server idle), and the client's leaving closes the upstream connection;
 * - an upstream that dies mid-body: the guest sees an error (counted as such), its client a
 *   short body;
 * - a denied origin (`HTTP-request-denied`, a log line naming component and URL, counted);
 *   a name resolving to 127.0.0.1 matched only by a wildcard (`*.localhost`) is refused at the
 *   connection, a name listed as such (`localhost`) is not;
 * - a client leaving while the guest waits on an upstream that never answers: the upstream
 *   connection is closed, the process reclaimed;
 * - `max-outbound-per-process`: two requests at once, one allowed (16 by default).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get } from "node:http";
import { Readable } from "node:stream";
import { request } from "undici";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";
import { startUpstream, type Upstream } from "./helpers/upstream.ts";
import {
  cpuOver,
  expectExits,
  IDLE_CPU_MS_PER_S,
  sleep,
  untilNoProcesses,
} from "./helpers/exits.ts";
import { readBody } from "./helpers/clients.ts";

let upstream: Upstream;
let rusm: Rusm;
let otherPort: number;

beforeAll(async () => {
  upstream = await startUpstream();
  const other = await startUpstream();
  otherPort = other.port;
  await other.close();
  const fetcher = guest("http-fetch-upstream");
  rusm = await startRusm(
    routes(`
[components]
fetcher = { path = "${fetcher}", allow-outbound = ["${upstream.origin}"] }
wild = { path = "${fetcher}", allow-outbound = ["http://*.localhost:${upstream.port}"] }
named = { path = "${fetcher}", allow-outbound = ["http://localhost:${upstream.port}"] }
closed = "${fetcher}"
limited = { path = "${fetcher}", allow-outbound = ["${upstream.origin}"], max-outbound-per-process = 1 }

[serve.routes]
"/f/*" = "fetcher"
"/wild/*" = "wild"
"/named/*" = "named"
"/closed/*" = "closed"
"/limited/*" = "limited"
`),
  );
}, 120_000);

afterAll(async () => {
  expect(await rusm.stop()).toBe(0);
  await upstream.close();
});

const via = (route: string, upstreamUrl: string): string =>
  `${rusm.url}${route}?u=${encodeURIComponent(upstreamUrl)}`;

describe("outbound HTTP (http-fetch-upstream against a node:http upstream)", () => {
  it("a JSON GET: the guest parses the upstream's JSON; counted by component, origin, status", async () => {
    const before = await rusm.exits();
    const res = await fetch(via("/f/json", `${upstream.origin}/json`));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ status: 200, upstream: { hello: "world", n: 42 } });
    await expectExits(rusm, before, { normal: 1 });
    const labels = { component: "fetcher", origin: upstream.origin, status: "200" };
    expect(await rusm.metric("rusm_outbound_requests_total", labels)).toBeGreaterThanOrEqual(1);
    expect(
      await rusm.metric("rusm_outbound_request_duration_seconds_count", {
        component: "fetcher",
        origin: upstream.origin,
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("a POST streamed both ways: the upstream has the first chunk before the client sends the rest", async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    const chunks = 16;
    async function* body(): AsyncGenerator<Buffer> {
      yield chunk;
      // The upstream sees bytes while the client still holds back the rest: streamed, not buffered.
      await rusm.until("the upstream received the first chunk", () => upstream.lastEchoBytes() > 0);
      for (let i = 1; i < chunks; i++) yield chunk;
    }
    const res = await request(via("/f/post", `${upstream.origin}/echo`), {
      method: "POST",
      body: Readable.from(body()),
    });
    expect(res.statusCode).toBe(200);
    const echoed = Buffer.from(await res.body.arrayBuffer());
    expect(echoed.length).toBe(chunk.length * chunks);
    expect(echoed.every((b) => b === 0x62)).toBe(true);
    expect(upstream.lastEchoBytes()).toBe(chunk.length * chunks);
  });

  it("a slow client holds back a 64 MiB upstream body (bounded, idle), and its leaving closes the upstream connection", async () => {
    const before = await rusm.exits();
    const cutBefore = upstream.cutShort("/big");
    const req = get(via("/f/proxy", `${upstream.origin}/big`));
    const res = await new Promise<import("node:http").IncomingMessage>((resolve) =>
      req.once("response", resolve),
    );
    expect(res.statusCode).toBe(200);
    // Read one chunk, then stop reading.
    await new Promise((resolve) => res.once("data", resolve));
    res.pause();
    try {
      await expectHeldBack();
    } finally {
      res.destroy();
      req.destroy();
    }
    await rusm.until("the upstream connection closed", () => upstream.cutShort("/big") > cutBefore);
    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  async function expectHeldBack(): Promise<void> {
    let last = -1;
    await rusm.until(
      "the upstream stops writing (two samples 500 ms apart agree)",
      async () => {
        const now = upstream.bigWritten();
        const settled = now === last;
        last = now;
        await sleep(500);
        return settled;
      },
      30_000,
    );
    // Socket buffers on both loopback hops hold some MiB; nothing holds the whole body.
    expect(upstream.bigWritten()).toBeLessThan(24 * 1024 * 1024);
    expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
  }

  it("an upstream that dies mid-body: the guest's read fails (counted as connection-terminated), its client gets the first part only", async () => {
    const labels = {
      component: "fetcher",
      origin: upstream.origin,
      status: "connection-terminated",
    };
    const failedBefore = await rusm.metric("rusm_outbound_requests_total", labels);
    const read = await readBody(via("/f/proxy", `${upstream.origin}/die`));
    expect(read.status).toBe(200);
    expect(read.text).toBe("the first part\n");
    await rusm.until(
      "the failed request counted",
      async () => (await rusm.metric("rusm_outbound_requests_total", labels)) > failedBefore,
    );
    await untilNoProcesses(rusm);
  });

  it("an origin not in allow-outbound: HTTP-request-denied, a log line naming component and URL, counted", async () => {
    const deniedBefore = await rusm.metric("rusm_outbound_denied_total", { component: "fetcher" });
    const url = `http://127.0.0.1:${otherPort}/json`;
    const res = await fetch(via("/f/json", url));
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/^error: /);
    await rusm.until("the denial logged", () =>
      rusm
        .logs()
        .some(
          (l) => l.msg === "outbound request denied" && l.component === "fetcher" && l.url === url,
        ),
    );
    expect(await rusm.metric("rusm_outbound_denied_total", { component: "fetcher" })).toBe(
      deniedBefore + 1,
    );
    // A component with no allow-outbound may fetch nothing, its own upstream included.
    const closed = await fetch(via("/closed/json", `${upstream.origin}/json`));
    expect(closed.status).toBe(502);
    expect(await rusm.metric("rusm_outbound_denied_total", { component: "closed" })).toBe(1);
  });

  it("a name resolving to 127.0.0.1 that only a wildcard lists is refused at the connection; a listed name is not", async () => {
    const hits = upstream.hits("/json");
    const res = await fetch(via("/wild/json", `http://api.localhost:${upstream.port}/json`));
    expect(res.status).toBe(502);
    expect(upstream.hits("/json")).toBe(hits);
    const origin = `http://api.localhost:${upstream.port}`;
    expect(
      await rusm.metric("rusm_outbound_requests_total", {
        component: "wild",
        origin,
        status: "destination-IP-prohibited",
      }),
    ).toBe(1);
    const named = await fetch(via("/named/json", `http://localhost:${upstream.port}/json`));
    expect(named.status).toBe(200);
    expect(upstream.hits("/json")).toBe(hits + 1);
  });

  it("a client leaving while its guest waits on an upstream that never answers: the upstream connection closes", async () => {
    const before = await rusm.exits();
    const cutBefore = upstream.cutShort("/hang");
    const controller = new AbortController();
    const pending = fetch(via("/f/proxy", `${upstream.origin}/hang`), {
      signal: controller.signal,
    }).catch(() => null);
    await rusm.until("the upstream has the request", () => upstream.open("/hang") > 0);
    controller.abort();
    await pending;
    await rusm.until(
      "the upstream connection closed",
      () => upstream.cutShort("/hang") > cutBefore,
    );
    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  it("max-outbound-per-process bounds a process's open requests (1: the second of two at once fails; default 16: both go)", async () => {
    const limited = await fetch(via("/limited/pair", `${upstream.origin}/json`));
    expect((await limited.text()).split(",").sort()).toEqual(["200:24", "error"]);
    expect(
      await rusm.metric("rusm_outbound_requests_total", { component: "limited", status: "200" }),
    ).toBe(1);
    const open = await fetch(via("/f/pair", `${upstream.origin}/json`));
    expect(await open.text()).toBe("200:24,200:24");
  });
});
