/**
 * Regression guard "No spins, ever" (shared/seed/sse-lifecycle.txt, Notes; issue 2, point 10):
 * many endless feeds, then a forced disconnect of all of them.
 *
 * Symptom it guards against: after clients go away, endless-feed processes live on (the process
 * count never returns to baseline) or keep a core busy. Root causes it catches: a disconnect
 * (clean close or reset) that does not reach the body channel, so the guest's next write does
 * not return `closed`; a write parked on a full channel that is not woken when the reader
 * goes; an exit counted under the wrong reason (or not at all); or host work (timers, pumps,
 * polling) left running once every stream is gone.
 */
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { ticks } from "./helpers/clients.ts";
import { IDLE_CPU_MS_PER_S, cpuOver, expectExits, untilNoProcesses } from "./helpers/exits.ts";

const FEEDS = 50;

describe("regression: endless feeds + forced disconnect return to baseline and idle", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]\nendless = "${guest("sse-endless")}"\n\n[serve.routes]\n"GET /feed" = "endless"\n`,
    ),
  );

  it(`${FEEDS} concurrent endless feeds, all disconnected at once (half FIN, half RST)`, async () => {
    expect(await rusm.metric("rusm_processes"), "baseline").toBe(0);
    const before = await rusm.exits();

    const clients = await Promise.all(
      Array.from({ length: FEEDS }, () => RawHttp.get(rusm.url, "/feed")),
    );
    try {
      await rusm.until(
        `each of the ${FEEDS} feeds receives 3 events`,
        () => clients.every((c) => c.text().includes("data: tick 2\n\n")),
        60_000,
      );
      expect(await rusm.metric("rusm_processes")).toBe(FEEDS);
      for (const c of clients) expect(sseData(c.body().data).slice(0, 3)).toEqual(ticks(3));
    } finally {
      // The forced disconnect: every client at once, half a clean close, half a reset.
      clients.forEach((c, i) => (i % 2 === 0 ? c.destroy() : c.reset()));
    }

    await expectExits(rusm, before, { disconnected: FEEDS }, 60_000);
    await untilNoProcesses(rusm);
    expect(await rusm.metric("rusm_body_buffered_bytes"), "nothing left buffered").toBe(0);
    // Nothing keeps running once every stream is gone: CPU time (not wall time) near zero.
    expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
  });
});
