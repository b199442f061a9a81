/**
 * Regression (issue 15, points 2 and 4): the exits a worker counted were lost when it was
 * replaced.
 *
 * Symptom: `/metrics` summed what each worker had answered at its last scrape; when the watchdog
 * replaced a worker (or an uncaught error ended it), every exit it had counted since then
 * vanished: after a mass disconnect that stalled a worker, `disconnected` stayed 0.
 *
 * Root cause: a worker's counts lived only in its own thread's registry. Each worker now also
 * counts every start and exit in a SharedArrayBuffer the supervisor reads, even after the thread
 * is gone (workers/exit-tally.ts); `rusm_process_exits_total` comes from there, and the
 * processes a replaced worker still had (started, never ended) count `killed`, each exit once.
 */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { untilSubscriptions } from "./helpers/broker.ts";
import { expectExits } from "./helpers/exits.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";

/** GET with a fresh connection; the status. */
function getFresh(url: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
    });
    req.on("error", fail);
    req.end();
  });
}

/** The debug "process exited" log lines of `component` with `reason`, so far. */
function logged(rusm: Rusm, component: string, reason: string): number {
  return rusm
    .logs()
    .filter((l) => l.msg === "process exited" && l.component === component && l.reason === reason)
    .length;
}

describe("a replaced worker's exit counts", () => {
  it("exits counted since the last scrape survive the worker's replacement, and its live processes count killed, each once", async () => {
    const rusm = await startRusm(
      routes(
        `
[components]
hello = "${guest("http-hello")}"
tail = "${guest("live-tail")}"
spin = { path = "${guest("cpu-spin")}", preempt = "none" }

[serve.routes]
"GET /hello" = "hello"
"GET /tail/:topic" = "tail"
"GET /spin" = "spin"
`,
        // One worker: every process below is on the worker that will be replaced.
        "workers = 1",
      ),
      { env: { RUSM_LOG: "debug" } },
    );
    try {
      // Three live tails, parked: they will be lost with the worker.
      const tails = await Promise.all(
        [1, 2, 3].map(() => RawHttp.get(rusm.url, "/tail/kept?hb=600000")),
      );
      await untilSubscriptions(rusm, "kept", 3);
      // The last scrape before the replacement.
      const before = await rusm.exits();

      // Exits the worker counts after that scrape: 25 normal, 2 disconnected.
      const N = 25;
      const answers = await Promise.all(
        Array.from({ length: N }, () => getFresh(`${rusm.url}/hello`)),
      );
      expect(answers).toEqual(Array(N).fill(200));
      for (let i = 0; i < 2; i++) {
        const gone = await RawHttp.get(rusm.url, "/tail/gone?hb=600000");
        await gone.until("the stream's head", (r) => r.head() !== null);
        gone.socket.destroy();
      }
      // Known from the worker's log lines, not from a scrape (a scrape would save them).
      await rusm.until(
        "the worker logged 25 normal and 2 disconnected exits",
        () => logged(rusm, "hello", "normal") === N && logged(rusm, "tail", "disconnected") === 2,
      );

      // A guest without preemption checks stalls the worker: the watchdog replaces it.
      const spinning = getFresh(`${rusm.url}/spin`).catch((err: NodeJS.ErrnoException) => err.code);
      await rusm.until(
        "the replacement serves",
        () => rusm.logs().some((l) => l.msg === "watchdog: the replacement worker is serving"),
        60_000,
      );
      expect(await spinning).toBe("ECONNRESET");
      const line = rusm.logs().find((l) => String(l.msg).startsWith("watchdog: a worker's"))!;
      expect(line.processesLost).toBe(4);
      for (const tail of tails) expect(tail.closed).toBe(true);

      // Every exit of the replaced worker, and its 4 live processes (3 tails, the spinner) as
      // killed: nothing lost, nothing twice.
      await expectExits(rusm, before, { normal: N, disconnected: 2, killed: 4 });

      // The new worker counts on top, and the old one's counts stay, scrape after scrape.
      const after = await rusm.exits();
      const more = await Promise.all([1, 2, 3, 4, 5].map(() => getFresh(`${rusm.url}/hello`)));
      expect(more).toEqual([200, 200, 200, 200, 200]);
      await expectExits(rusm, after, { normal: 5 });
      await expectExits(rusm, before, { normal: N + 5, disconnected: 2, killed: 4 });
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });
});
