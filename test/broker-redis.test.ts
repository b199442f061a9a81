/**
 * Fan-out between rusm nodes over Redis (issue 4, point 5): two real `rusm serve` nodes with
 * `[broker] backend = "redis://…"` sharing one real `redis-server` (Debian package, installed by
 * scripts/test-deps.ts, started here on a free port). A subscriber on node A receives what is
 * published on node B, and the other way round for patterns. Losing Redis does not crash
 * either node: each logs it, keeps serving its own subscribers, counts what it could not
 * forward, and reconnects and resubscribes when Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExits } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { startRedis, type RedisServer } from "./helpers/redis.ts";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";
import { publish, untilSubscriptions } from "./helpers/broker.ts";

function node(redisUrl: string): string {
  return routes(`
[components]
tail = "${guest("live-tail")}"
[serve.routes]
"GET /tail/:topic" = "tail"
[broker]
backend = "${redisUrl}"
`);
}

/**
 * Publishes on `from` until `client` (subscribed on another node) gets a new message: the other
 * node's Redis subscription is asynchronous, so the first publishes may precede it. Returns
 * how many publishes it took.
 */
async function untilRelayed(from: Rusm, topic: string, client: RawHttp): Promise<number> {
  const had = sseData(client.body().data).length;
  for (let i = 1; i <= 100; i++) {
    await publish(from, topic, `probe ${i}`);
    const deadline = Date.now() + 200;
    while (Date.now() < deadline) {
      if (sseData(client.body().data).length > had) return i;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`nothing published on the other node reached the subscriber on ${topic}`);
}

describe("broker over Redis: two rusm nodes", () => {
  let redis: RedisServer;
  let a: Rusm;
  let b: Rusm;
  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startRusm(node(redis.url)), startRusm(node(redis.url))]);
  });
  afterAll(async () => {
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    await redis.stop();
  });

  it("logs that fan-out between nodes is on", () => {
    for (const n of [a, b]) {
      expect(
        n.logs().some((l) => l.msg === "broker connected to Redis: fan-out between nodes is on"),
      ).toBe(true);
    }
  });

  it("a subscriber on node A receives what is published on node B, once, in order", async () => {
    const before = await a.exits();
    const client = await RawHttp.get(a.url, "/tail/cross?hb=60000");
    await untilSubscriptions(a, "cross", 1);
    const probes = await untilRelayed(b, "cross", client);
    const sent = ["one", "two", "three"];
    for (const message of sent) {
      // B has no subscriber of its own: 0 delivered there, forwarded to the others.
      expect(await publish(b, "cross", message)).toEqual({ delivered: 0, forwarded: true });
    }
    await client.until("the three messages", (c) => sseData(c.body().data).length === probes + 3);
    expect(sseData(client.body().data).slice(probes)).toEqual(sent);
    // A node's own publish reaches its subscriber once (Redis echoes it back; A skips it).
    expect(await publish(a, "cross", "local")).toEqual({ delivered: 1, forwarded: true });
    await client.until("the local one", (c) => sseData(c.body().data).at(-1) === "local");
    await new Promise((r) => setTimeout(r, 300));
    expect(sseData(client.body().data).filter((d) => d === "local")).toHaveLength(1);
    expect(await a.metric("rusm_broker_delivered_total", { topic: "cross" })).toBe(probes + 4);
    client.destroy();
    await expectExits(a, before, { disconnected: 1 });
    await untilSubscriptions(a, "cross", 0);
  });

  it("a pattern subscriber on node B receives matching topics published on node A", async () => {
    const client = await RawHttp.get(b.url, "/tail/feed.*?hb=60000");
    await untilSubscriptions(b, "feed.*", 1);
    const probes = await untilRelayed(a, "feed.x", client);
    await publish(a, "feed.y", "y");
    await publish(a, "feed", "not matched");
    await publish(a, "feed.z", "z");
    await client.until("y and z", (c) => sseData(c.body().data).length === probes + 2);
    expect(sseData(client.body().data).slice(probes)).toEqual(["y", "z"]);
    client.destroy();
    await untilSubscriptions(b, "feed.*", 0);
  });

  it("losing Redis: both nodes keep serving and log it, then reconnect and resubscribe", async () => {
    const onA = await RawHttp.get(a.url, "/tail/outage?hb=60000");
    await untilSubscriptions(a, "outage", 1);
    await untilRelayed(b, "outage", onA);
    const seen = () => sseData(onA.body().data).length;

    await redis.stop();
    for (const n of [a, b]) {
      await n.until("the lost-connection warning", () =>
        n.logs().some((l) => String(l.msg).startsWith("broker lost its Redis connection")),
      );
    }
    // Still serving: a local publish reaches the local subscriber, and new streams start.
    const had = seen();
    expect(await publish(a, "outage", "local while down")).toEqual({
      delivered: 1,
      forwarded: false,
    });
    await onA.until("the local message", () => seen() === had + 1);
    // B cannot forward: counted, and the publisher is answered at once.
    expect(await publish(b, "outage", "lost")).toEqual({ delivered: 0, forwarded: false });
    expect(
      await b.metric("rusm_broker_dropped_total", {
        topic: "outage",
        reason: "backend-unavailable",
      }),
    ).toBe(1);
    const during = await RawHttp.get(b.url, "/tail/other?hb=100");
    await during.until("a heartbeat", (c) => c.body().data.includes(":\n"));
    during.destroy();
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();

    await redis.start();
    for (const n of [a, b]) {
      await n.until(
        "the reconnected log line",
        () => n.logs().some((l) => String(l.msg).startsWith("broker reconnected to Redis")),
        15_000,
      );
    }
    // A resubscribed by itself: B's messages reach A's subscriber again.
    const before = seen();
    await untilRelayed(b, "outage", onA);
    expect(seen()).toBeGreaterThan(before);
    expect(sseData(onA.body().data)).not.toContain("lost");
    onA.destroy();
    await untilSubscriptions(a, "outage", 0);
  });

  it("a node started while Redis is unreachable serves anyway, and connects when it appears", async () => {
    // A port with no Redis on it yet.
    const later = await startRedis();
    await later.stop();
    const c = await startRusm(node(later.url));
    try {
      expect(
        c.logs().filter((l) => String(l.msg).startsWith("broker cannot reach Redis yet")),
      ).toHaveLength(1);
      const client = await RawHttp.get(c.url, "/tail/solo?hb=60000");
      await untilSubscriptions(c, "solo", 1);
      expect(await publish(c, "solo", "local")).toEqual({ delivered: 1, forwarded: false });
      await client.until("the local message", (cl) => sseData(cl.body().data).length === 1);
      await later.start();
      await c.until(
        "the reconnected log line",
        () => c.logs().some((l) => String(l.msg).startsWith("broker reconnected to Redis")),
        15_000,
      );
      // One warning for the whole outage, not one per reconnect attempt.
      expect(c.logs().filter((l) => l.level === 40)).toHaveLength(1);
      expect(await publish(c, "solo", "now over redis")).toEqual({ delivered: 1, forwarded: true });
      client.destroy();
    } finally {
      expect(await c.stop()).toBe(0);
      await later.stop();
    }
  });
});
