/**
 * Regression (issue 15, points 4 and 5): a byte Node refuses in a field value ended more than
 * its own exchange.
 *
 * Symptoms: a trailer value holding byte 0x01 killed the whole worker thread, and every
 * connection on it (a live stream included) was cut; a response header value holding 0x01 left
 * its client hanging forever.
 *
 * Root causes: `fields` refused only NUL, CR and LF in values, so 0x01 reached Node, whose
 * `addTrailers` and `writeHead` throw `ERR_INVALID_CHAR` on any control byte but HTAB. The
 * trailers were added inside the body channel's pump, which runs from `setImmediate`: the throw
 * was an uncaught exception that ended the thread. `writeHead` threw after the exchange was
 * marked responded, so nothing answered the client afterwards.
 *
 * Now `fields` applies Node's own rule (the guest gets `invalid-syntax`), and whatever Node
 * throws on a response path ends that exchange only (host/server/exchange.test.ts and
 * host/stream/channel.test.ts exercise that defence directly). Here the two guests ignore the
 * error, on one worker thread shared with a live stream that must keep flowing, with no worker
 * replaced.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { readBody } from "./helpers/clients.ts";
import { expectExits } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]
tail = "${guest("live-tail")}"
badheader = "${guest("http-bad-header")}"
badtrailer = "${guest("http-bad-trailer")}"

[serve.routes]
"GET /tail/:topic" = "tail"
"GET /bad-header" = "badheader"
"GET /bad-trailer" = "badtrailer"
`,
  "workers = 1",
);

describe("regression: a 0x01 in a header or a trailer ends only its own exchange", () => {
  const rusm = rusmForSuite(TOML);

  it("both are answered, a live stream on the same worker keeps flowing, no worker is replaced", async () => {
    const stream = await RawHttp.get(rusm.url, "/tail/live?hb=60000");
    try {
      await untilSubscriptions(rusm, "live", 1);
      expect(await publish(rusm, "live", "before")).toEqual({ delivered: 1 });
      await stream.until("the first message", (s) => sseData(s.body().data).length === 1);
      const before = await rusm.exits();

      // The header: refused with invalid-syntax, which the guest ignores; the answer goes out
      // without it. (It used to hang: the timeout makes that a failure, not a stuck test.)
      const res = await request(`${rusm.url}/bad-header`, { signal: AbortSignal.timeout(10_000) });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-bad"]).toBeUndefined();
      expect(await res.body.text()).toBe("ok\n");

      // The trailer: from-list refuses it; the guest finishes without trailers.
      const read = await readBody(`${rusm.url}/bad-trailer`);
      expect(read.status).toBe(200);
      expect(read.error, "a complete body").toBeNull();
      expect(read.text).toBe("body\n");

      await expectExits(rusm, before, { normal: 2 });
      expect(await publish(rusm, "live", "after")).toEqual({ delivered: 1 });
      await stream.until("the second message", (s) => sseData(s.body().data).length === 2);
      expect(sseData(stream.body().data)).toEqual(["before", "after"]);
      expect(stream.closed, "the stream was never cut").toBe(false);
      expect(await rusm.metric("rusm_watchdog_restarts_total")).toBe(0);
      expect(
        rusm.logs().filter((l) => /worker thread ended unexpectedly/.test(String(l.msg))),
      ).toEqual([]);
    } finally {
      stream.destroy();
    }
  });
});
