/**
 * The live fan-out pattern with the TypeScript SDK (issue 4): `ts-live`, built by `rusm build`
 * from guests/ts-live/guest.ts, uses `broker.subscribe` + `sse.run(heartbeatMs, map)` and
 * `broker.publish`, exactly as a guest author writes them. Real `rusm serve`, real clients.
 * On both engines `rusm build` has (StarlingMonkey, and QuickJS: `ts-live.qjs`). The live rows
 * every guest language shares (a publish reaches every subscriber, heartbeats, map, a crash in
 * map) are in test/sdk-lifecycle.test.ts; here what only the TypeScript guest has.
 */
import { describe, expect, it } from "vitest";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { RawHttp } from "./helpers/raw-http.ts";
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
