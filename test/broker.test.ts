/**
 * The broker on one node (issue 4): the seed's live fan-out pattern with real clients against a
 * real `rusm serve`. Subscribers are `live-tail` processes (a small WAT guest:
 * `broker.subscribe(<topic>)` then `event-stream.run(heartbeat)`); messages are published with
 * `POST <admin>/publish/<topic>`. No subscriber ever unsubscribes: every prune below is the
 * broker's monitor seeing the process end.
 *
 * The TypeScript SDK's `broker` and `sse.run(heartbeatMs, map)` are in broker-ts.test.ts, and
 * two nodes over Redis in broker-redis.test.ts.
 */
import { describe, expect, it } from "vitest";
import { openFeed, type Feed } from "./helpers/clients.ts";
import { IDLE_CPU_MS_PER_S, cpuOver, expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { guest, routes, startRusm, type Rusm, rusmForSuite } from "./helpers/rusm.ts";
import { publish, subscriptions, untilSubscriptions } from "./helpers/broker.ts";

const SUBSCRIBERS = 200;

const TOML = routes(`
[components]
tail = "${guest("live-tail")}"

[serve.routes]
"GET /tail/:topic" = "tail"
`);

describe("broker: fan-out to 200 subscribers, heartbeats, pruning by monitors", () => {
  const rusm = rusmForSuite(TOML);

  it("200 subscribers each receive every message; disconnecting half prunes exactly half", async () => {
    const before = await rusm.exits();
    const feeds: Feed[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) feeds.push(openFeed(`${rusm.url}/tail/fan?hb=60000`));
    await untilSubscriptions(rusm, "fan", SUBSCRIBERS);
    expect(await rusm.metric("rusm_processes")).toBe(SUBSCRIBERS);
    // Waiting on their mailboxes, all 200 are parked and the server idles: nothing polls.
    await rusm.until(
      "all subscribers parked",
      async () => (await rusm.metric("rusm_processes_parked")) === SUBSCRIBERS,
    );
    expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);

    const sent = Array.from({ length: 20 }, (_, i) => `message ${i}`);
    for (const message of sent) {
      expect(await publish(rusm, "fan", message)).toEqual({ delivered: SUBSCRIBERS });
    }
    await rusm.until("every subscriber has every message", () =>
      feeds.every((f) => f.events.length >= sent.length),
    );
    for (const feed of feeds) expect(feed.events).toEqual(sent);
    expect(await rusm.metric("rusm_broker_published_total", { topic: "fan" })).toBe(sent.length);
    expect(await rusm.metric("rusm_broker_delivered_total", { topic: "fan" })).toBe(
      sent.length * SUBSCRIBERS,
    );
    expect(await rusm.metric("rusm_broker_dropped_total")).toBe(0);

    // Half the clients leave: their processes end at once (the mailbox wait ends when the
    // client goes), and each exit prunes its subscription. No unsubscribe call anywhere.
    const leaving = feeds.slice(0, SUBSCRIBERS / 2);
    const staying = feeds.slice(SUBSCRIBERS / 2);
    for (const feed of leaving) feed.close();
    await untilSubscriptions(rusm, "fan", SUBSCRIBERS / 2);
    await expectExits(rusm, before, { disconnected: SUBSCRIBERS / 2 });
    expect(await publish(rusm, "fan", "after half left")).toEqual({ delivered: SUBSCRIBERS / 2 });
    await rusm.until("the staying half has the last message", () =>
      staying.every((f) => f.events.length === sent.length + 1),
    );
    // The half that left stays at what it had; the gauge did not move since.
    for (const feed of leaving) expect(feed.events).toEqual(sent);
    expect(await subscriptions(rusm, "fan")).toBe(SUBSCRIBERS / 2);

    for (const feed of staying) feed.close();
    await untilSubscriptions(rusm, "fan", 0);
    await expectExits(rusm, before, { disconnected: SUBSCRIBERS });
    await untilNoProcesses(rusm);
    expect(feeds.every((f) => f.errors === 0)).toBe(true);
  });

  it("an idle topic gets ':' heartbeats every heartbeatMs, and no data", async () => {
    const before = await rusm.exits();
    const client = await RawHttp.get(rusm.url, "/tail/quiet?hb=100");
    await client.until("five heartbeats", (c) => c.body().data.split(":\n").length > 5, 10_000);
    const body = client.body().data;
    expect(body).toMatch(/^(:\n)+$/);
    expect(client.head()).toMatch(/content-type: text\/event-stream/);
    // A message in between: data, then heartbeats again.
    await publish(rusm, "quiet", "one");
    await client.until("the message, then a heartbeat", (c) =>
      /data: one\n\n(:\n)+$/.test(c.body().data),
    );
    client.destroy();
    await expectExits(rusm, before, { disconnected: 1 });
    await untilSubscriptions(rusm, "quiet", 0);
  });

  it("a pattern subscription gets every matching topic, once per subscriber", async () => {
    const before = await rusm.exits();
    const pattern = await RawHttp.get(rusm.url, "/tail/sport.*?hb=60000");
    const exact = await RawHttp.get(rusm.url, "/tail/sport.chess?hb=60000");
    await untilSubscriptions(rusm, "sport.*", 1);
    await untilSubscriptions(rusm, "sport.chess", 1);
    expect(await publish(rusm, "sport.chess", "e4")).toEqual({ delivered: 2 });
    expect(await publish(rusm, "sport.go", "tengen")).toEqual({ delivered: 1 });
    expect(await publish(rusm, "sport", "not matched")).toEqual({ delivered: 0 });
    expect(await publish(rusm, "sport.go.live", "not matched")).toEqual({ delivered: 0 });
    await pattern.until("two messages", (c) => sseData(c.body().data).length === 2);
    await exact.until("one message", (c) => sseData(c.body().data).length === 1);
    expect(sseData(pattern.body().data)).toEqual(["e4", "tengen"]);
    expect(sseData(exact.body().data)).toEqual(["e4"]);
    pattern.destroy();
    exact.destroy();
    await expectExits(rusm, before, { disconnected: 2 });
    await untilSubscriptions(rusm, "sport.*", 0);
  });

  it("POST /publish answers a bad topic 400, a wrong method 405, a huge body 413", async () => {
    const bad = await fetch(`${rusm.adminUrl}/publish/news.*`, { method: "POST", body: "x" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      `cannot publish to "news.*": "*" is for subscribing to a pattern; publish to a topic (e.g. "news.sport")`,
    );
    const empty = await fetch(`${rusm.adminUrl}/publish/a..b`, { method: "POST", body: "x" });
    expect(empty.status).toBe(400);
    const get = await fetch(`${rusm.adminUrl}/publish/news`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const huge = await fetch(`${rusm.adminUrl}/publish/news`, {
      method: "POST",
      body: "x".repeat(1024 * 1024 + 1),
    });
    expect(huge.status).toBe(413);
    expect(await rusm.metric("rusm_broker_published_total", { topic: "news" })).toBe(0);
  });
});

/** 64 KiB messages: a reader that stops reading fills the kernel's socket buffers quickly. */
const BIG = 64 * 1024;

/** Message `i`: its number, then padding to {@link BIG} bytes. */
function big(i: number): string {
  const head = `m${i}:`;
  return head + ".".repeat(BIG - head.length);
}

/** A node whose live tails have a 16 KiB channel and a small mailbox with `overflow`. */
function stallNode(mailbox: number, overflow: string): Promise<Rusm> {
  return startRusm(
    routes(`
[components]
tail = { path = "${guest("live-tail")}", body-buffer-kb = 16 }
[serve.routes]
"GET /tail/:topic" = "tail"
[broker]
mailbox = ${mailbox}
overflow = "${overflow}"
`),
  );
}

/**
 * Counts the events a raw client has received so far, as they arrive (cheap to poll: no
 * re-parsing of megabytes of body). An event ends with a blank line; message bodies have none.
 */
function eventCounter(client: RawHttp): () => number {
  let events = 0;
  let tail = "";
  client.socket.on("data", (chunk: Buffer) => {
    const text = tail + chunk.toString("latin1");
    events += text.split("\n\n").length - 1;
    tail = text.endsWith("\n") ? "\n" : "";
  });
  return () => events;
}

/**
 * Publishes `count` big messages on `topic`, never more than {@link LEAD} ahead of the slowest
 * reader, so that the readers' own mailboxes never overflow however loaded the machine is;
 * the stalled subscriber gets no such care. Returns each publish's `delivered`.
 */
async function publishPaced(
  rusm: Rusm,
  topic: string,
  count: number,
  readers: Array<() => number>,
): Promise<number[]> {
  const delivered: number[] = [];
  for (let i = 0; i < count; i++) {
    const behind = i - LEAD;
    while (readers.some((received) => received() < behind)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    delivered.push((await publish(rusm, topic, big(i))).delivered);
  }
  return delivered;
}

/** How far the publisher may run ahead of the readers (well under the mailboxes below). */
const LEAD = 2;

/** The message numbers a raw reader has received, in order. */
function numbers(client: RawHttp): number[] {
  return sseData(client.body().data).map((d) => Number(/^m(\d+):/.exec(d)?.[1]));
}

describe("broker: a stalled subscriber (bounded mailboxes, overflow policies)", () => {
  it("drop-oldest: the others get every message while a stalled one drops its oldest", async () => {
    const rusm = await stallNode(8, "drop-oldest");
    try {
      const before = await rusm.exits();
      const stalled = await RawHttp.get(rusm.url, "/tail/big?hb=60000");
      stalled.pause();
      const readers = await Promise.all(
        [0, 1, 2].map(() => RawHttp.get(rusm.url, "/tail/big?hb=60000")),
      );
      await untilSubscriptions(rusm, "big", 4);
      const count = 200;
      // Each publish reaches all four mailboxes at once, the stalled one's included.
      const counts = readers.map(eventCounter);
      const delivered = await publishPaced(rusm, "big", count, counts);
      expect(delivered).toEqual(Array.from({ length: count }, () => 4));
      const all = Array.from({ length: count }, (_, i) => i);
      for (const reader of readers) {
        await reader.until(`all ${count} messages`, (c) => numbers(c).length === count, 30_000);
        expect(numbers(reader)).toEqual(all);
      }
      // The stalled one is still there, behind, and its mailbox overflowed.
      const dropped = await rusm.metric("rusm_broker_dropped_total", {
        topic: "big",
        reason: "drop-oldest",
      });
      expect(dropped).toBeGreaterThan(0);
      expect(await subscriptions(rusm, "big")).toBe(4);
      // It reads again: what it gets is in order, with the gap of the dropped ones.
      stalled.resume();
      await stalled.until("the last message", (c) => numbers(c).at(-1) === count - 1, 30_000);
      const got = numbers(stalled);
      expect(got.length).toBe(count - dropped);
      expect([...got].sort((a, b) => a - b)).toEqual(got);
      for (const client of [stalled, ...readers]) client.destroy();
      await expectExits(rusm, before, { disconnected: 4 });
      await untilSubscriptions(rusm, "big", 0);
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });

  it("drop-subscriber: a stalled subscriber is dropped, its stream then ends cleanly", async () => {
    const rusm = await stallNode(4, "drop-subscriber");
    try {
      const before = await rusm.exits();
      const stalled = await RawHttp.get(rusm.url, "/tail/big?hb=60000");
      stalled.pause();
      const reader = await RawHttp.get(rusm.url, "/tail/big?hb=60000");
      await untilSubscriptions(rusm, "big", 2);
      const count = 200;
      const delivered = await publishPaced(rusm, "big", count, [eventCounter(reader)]);
      await reader.until(`all ${count} messages`, (c) => numbers(c).length === count, 30_000);
      expect(numbers(reader)).toEqual(Array.from({ length: count }, (_, i) => i));
      // Dropped once: from then on each publish reaches the reader only.
      const firstAlone = delivered.indexOf(1);
      expect(firstAlone).toBeGreaterThan(0);
      expect(delivered.slice(0, firstAlone).every((n) => n === 2)).toBe(true);
      expect(delivered.slice(firstAlone).every((n) => n === 1)).toBe(true);
      expect(await subscriptions(rusm, "big")).toBe(1);
      expect(
        await rusm.metric("rusm_broker_dropped_total", { topic: "big", reason: "drop-subscriber" }),
      ).toBeGreaterThan(0);
      expect(rusm.logs().some((l) => String(l.msg).startsWith("broker dropped a subscriber"))).toBe(
        true,
      );
      // Its stream ends cleanly once it reads again (sse.run returned; an EventSource would
      // reconnect), and its process exits normally.
      stalled.resume();
      await stalled.until("the end of the chunked body", (c) => c.body().complete, 30_000);
      await expectExits(rusm, before, { normal: 1 });
      reader.destroy();
      await expectExits(rusm, before, { normal: 1, disconnected: 1 });
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });
});
