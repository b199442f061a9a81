/**
 * A guest forwarding an upstream event stream (issue 18): http-fetch-upstream `/sse` fetches a
 * node:http text/event-stream upstream and forwards each event to its own client, its data
 * upper-cased (a TransformStream over the fetch body). Disconnects in both directions end
 * everything promptly:
 *
 * - a finite upstream feed: every event, transformed, then a clean end;
 * - the client leaves: the upstream connection is closed, the process exits `disconnected`;
 * - the upstream dies: the client's stream ends, the process exits, nothing stays open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";
import { startUpstream, type Upstream } from "./helpers/upstream.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { openFeed, readBody, ticks } from "./helpers/clients.ts";

let upstream: Upstream;
let rusm: Rusm;

beforeAll(async () => {
  upstream = await startUpstream();
  rusm = await startRusm(
    routes(`
[components]
forward = { path = "${guest("http-fetch-upstream")}", allow-outbound = ["${upstream.origin}"] }

[serve.routes]
"/forward/*" = "forward"
`),
  );
}, 120_000);

afterAll(async () => {
  expect(await rusm.stop()).toBe(0);
  await upstream.close();
});

const feedUrl = (query: string): string =>
  `${rusm.url}/forward/sse?u=${encodeURIComponent(`${upstream.origin}/sse${query}`)}`;

describe("forwarding an upstream SSE feed (http-fetch-upstream /sse)", () => {
  it("a finite upstream feed: each event transformed, in order, then a clean end", async () => {
    const before = await rusm.exits();
    const read = await readBody(feedUrl("?n=5"));
    expect(read.status).toBe(200);
    expect(read.headers["content-type"]).toBe("text/event-stream");
    expect(read.error).toBeNull();
    expect(read.text).toBe(
      ticks(5)
        .map((t) => `data: ${t.toUpperCase()}\n\n`)
        .join(""),
    );
    await expectExits(rusm, before, { normal: 1 });
  });

  it("the client leaves: the upstream connection closes and the process exits disconnected", async () => {
    const before = await rusm.exits();
    const cutBefore = upstream.cutShort("/sse");
    const feed = openFeed(feedUrl(""));
    await rusm.until("three forwarded events", () => feed.events.length >= 3);
    expect(feed.events.slice(0, 3)).toEqual(ticks(3).map((t) => t.toUpperCase()));
    feed.close();
    await rusm.until(
      "the upstream connection closed",
      () => upstream.cutShort("/sse") > cutBefore,
      10_000,
    );
    await expectExits(rusm, before, { disconnected: 1 }, 10_000);
    await untilNoProcesses(rusm, 10_000);
    expect(upstream.open("/sse")).toBe(0);
  });

  it("the upstream dies: the client's stream ends and the process exits", async () => {
    const before = await rusm.exits();
    const read = await readBody(feedUrl("?die=3"));
    expect(read.status).toBe(200);
    // What arrived before the upstream died, transformed; the end is the guest's (clean or cut).
    expect(read.text.startsWith("data: TICK 0\n\ndata: TICK 1\n\n")).toBe(true);
    await untilNoProcesses(rusm, 10_000);
    const after = await rusm.exits();
    const exited = Object.values(after).reduce((a, b) => a + b, 0);
    expect(exited - Object.values(before).reduce((a, b) => a + b, 0)).toBe(1);
    expect(upstream.open("/sse")).toBe(0);
  });
});
