/**
 * The cold burst (issue 15, point 1 and its first test).
 *
 * Symptom: a freshly started server (2 workers) got 50 simultaneous subscribers of a TypeScript
 * live tail while the machine's cores were busy with other work; both workers' event loops
 * stalled over 1 s, the watchdog replaced both and every connection was cut.
 *
 * Root causes, and fixes: every request of a burst instantiated its process in the turn it
 * arrived, and V8 compiled the large component's functions lazily on their first calls, on the
 * same thread (now: starts go through the run queue, a bounded share per turn,
 * lifecycle/run-queue.ts); the watchdog judged a worker by wall-clock time, which a busy machine
 * stretches (now: the CPU time of its own thread, workers/silence.ts).
 *
 * Here: a cold server, both cores busy with two `yes`, 200 simultaneous EventSource subscribers
 * of a TypeScript live tail (`sse.run` over the broker) and 200 simultaneous requests (fresh
 * connections) to a StarlingMonkey hello. Pass: every request answered 200, every subscriber
 * receives a publish, no connection cut, no watchdog restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { openFeed, type Feed } from "./helpers/clients.ts";
import { sleep, untilNoProcesses } from "./helpers/exits.ts";
import { guest, routes, startRusm } from "./helpers/rusm.ts";
import { expectNoRestart } from "./helpers/watchdog.ts";

const N = 200;

const hogs: ChildProcess[] = [];
afterEach(() => {
  for (const hog of hogs.splice(0)) hog.kill("SIGKILL");
});

/** A GET on a connection of its own (the kernel spreads connections over the workers). */
async function getFresh(url: string): Promise<number | string> {
  try {
    const res = await fetch(url, { headers: { connection: "close" } });
    await res.text();
    return res.status;
  } catch (err) {
    return String((err as { cause?: { code?: string } }).cause?.code ?? err);
  }
}

describe("a cold burst on a busy machine", () => {
  it(`${N} TypeScript live-tail subscribers and ${N} StarlingMonkey requests at once, both cores busy: all served, none cut, no watchdog restart`, async () => {
    const rusm = await startRusm(
      routes(
        `
[components]
live = { path = "${guest("ts-live")}", max-memory-mb = 128 }
hello = { path = "${guest("sm-hello")}", max-memory-mb = 128 }
[serve.routes]
"GET /news" = "live#news"
"GET /hello" = "hello"
`,
        "workers = 2",
      ),
    );
    const feeds: Feed[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        hogs.push(spawn("sh", ["-c", "exec yes > /dev/null"], { stdio: "ignore" }));
      }
      await sleep(500);
      for (let i = 0; i < N; i++) feeds.push(openFeed(`${rusm.url}/news?hb=60000`));
      const answers = await Promise.all(
        Array.from({ length: N }, () => getFresh(`${rusm.url}/hello`)),
      );
      expect(answers).toEqual(Array(N).fill(200));
      await untilSubscriptions(rusm, "news", N, 240_000);
      expect(await publish(rusm, "news", "after the burst")).toEqual({ delivered: N });
      await rusm.until(
        "every subscriber has the message",
        () => feeds.every((f) => f.events.includes("after the burst")),
        60_000,
      );
      expect(feeds.map((f) => f.errors)).toEqual(feeds.map(() => 0));
      await expectNoRestart(rusm);
      expect(await rusm.metric("rusm_workers")).toBe(2);
    } finally {
      for (const hog of hogs.splice(0)) hog.kill("SIGKILL");
      for (const feed of feeds) feed.close();
    }
    await untilNoProcesses(rusm, 60_000);
    expect(await rusm.stop()).toBe(0);
  }, 600_000);
});
