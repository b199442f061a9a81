/**
 * The live fan-out pattern with the TypeScript SDK (issue 4): `ts-live`, built by `rusm build`
 * from guests/ts-live/guest.ts, uses `broker.subscribe` + `sse.run(heartbeatMs, map)` and
 * `broker.publish`, exactly as a guest author writes them. Real `rusm serve`, real clients.
 * On both engines `rusm build` has (StarlingMonkey, and QuickJS: `ts-live.qjs`).
 */
import { describe, expect, it } from "vitest";
import { openFeed } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { ENGINES, guest, routes, rusmForSuite, type Engine } from "./helpers/rusm.ts";
import { publish, untilSubscriptions } from "./helpers/broker.ts";

const toml = (engine: Engine) =>
  routes(`
[components]
live = { path = "${guest("ts-live", engine)}", max-memory-mb = 96 }

[serve.routes]
"GET /news" = "live#news"
"GET /live/:topic" = "live#tail"
"GET /tail/:topic" = "live#follow"
"POST /publish/:topic" = "live#publish"
`);

describe.each(ENGINES)(
  "broker from TypeScript on %s: broker.subscribe + sse.run(heartbeatMs, map)",
  (engine) => {
    const rusm = rusmForSuite(toml(engine));

    it("the issue's example: a guest's publish reaches every `sse.run(hb, (msg) => msg)` subscriber", async () => {
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
      // Two subscribers that left, and the publisher's own process.
      await expectExits(rusm, before, { disconnected: 2, normal: 1 });
    });

    it("heartbeats: a ':' comment line each time heartbeatMs passes with nothing", async () => {
      const before = await rusm.exits();
      const client = await RawHttp.get(rusm.url, "/news?hb=100");
      await client.until("five heartbeats", (c) => c.body().data.split(":\n").length > 5, 10_000);
      expect(client.body().data).toMatch(/^(:\n)+$/);
      client.destroy();
      await expectExits(rusm, before, { disconnected: 1 });
    });

    it("follow: the route's topic, each message's data as it is (what the WAT live-tail sends)", async () => {
      const before = await rusm.exits();
      const client = await RawHttp.get(rusm.url, "/tail/f?hb=60000");
      await untilSubscriptions(rusm, "f", 1);
      expect(await publish(rusm, "f", "one\ntwo")).toEqual({ delivered: 1 });
      await client.until("one event", (c) => c.body().data.endsWith("\n\n"));
      expect(client.body().data).toBe("data: one\ndata: two\n\n");
      client.destroy();
      await expectExits(rusm, before, { disconnected: 1 });
    });

    it("map: an object is sent with its fields, undefined skips the message", async () => {
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

    it("a crash in a subscriber (an exception in map) prunes its subscription: exit trap", async () => {
      const before = await rusm.exits();
      const clients = await Promise.all(
        [0, 1, 2].map(() => RawHttp.get(rusm.url, "/live/crash?hb=60000")),
      );
      await untilSubscriptions(rusm, "crash", 3);
      expect(await publish(rusm, "crash", "boom")).toEqual({ delivered: 3 });
      await expectExits(rusm, before, { trap: 3 });
      await untilSubscriptions(rusm, "crash", 0);
      expect(await publish(rusm, "crash", "anyone?")).toEqual({ delivered: 0 });
      // The seed's crash row: the body ends truncated (no last chunk), the error is logged.
      for (const client of clients) {
        await client.until("the connection closed", (c) => c.closed);
        expect(client.body().complete).toBe(false);
      }
      await rusm.until("three crash logs", () => exitLogs(rusm, { reason: "trap" }).length === 3);
      expect(String(exitLogs(rusm, { reason: "trap" })[0]!.detail)).toContain(
        "live#tail threw Error: boom on crash",
      );
      await untilNoProcesses(rusm);
    });

    it("a subscriber out of memory is pruned the same way: exit oom", async () => {
      const before = await rusm.exits();
      const client = await RawHttp.get(rusm.url, "/live/hog?hb=60000");
      await untilSubscriptions(rusm, "hog", 1);
      expect(await publish(rusm, "hog", "oom")).toEqual({ delivered: 1 });
      await expectExits(rusm, before, { oom: 1 }, 60_000);
      await untilSubscriptions(rusm, "hog", 0);
      client.destroy();
      await untilNoProcesses(rusm);
    });
  },
);
