/**
 * `rusm serve` on every core (issue 6): worker threads sharing the public port (SO_REUSEPORT),
 * `/metrics` summed over them, the broker's fan-out across them (admin and guest publishes
 * counted over the whole node), `--workers`, and the watchdog that replaces a worker whose
 * event loop stalled (a guest spinning without preemption checks).
 */
import { request } from "node:http";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { openFeed } from "./helpers/clients.ts";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { expectExits } from "./helpers/exits.ts";
import { guest, routes, runRusm, rusmForSuite, startRusm, writeRoutes } from "./helpers/rusm.ts";

/** GET with a fresh connection each time (so the kernel spreads them over the workers). */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

/** The `worker` fields of the debug "process exited" lines, for component `component`. */
function exitWorkers(logs: Array<Record<string, unknown>>, component: string): Set<unknown> {
  return new Set(
    logs
      .filter((l) => l.msg === "process exited" && l.component === component)
      .map((l) => l.worker),
  );
}

describe("worker threads: one port, metrics summed, broker across workers", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
hello = "${guest("http-hello")}"
tail = "${guest("live-tail")}"
live = { path = "${guest("ts-live")}", max-memory-mb = 96 }

[serve.routes]
"GET /hello" = "hello"
"GET /tail/:topic" = "tail"
"POST /publish/:topic" = "live#publish"
`,
      "workers = 2",
    ),
    { env: { RUSM_LOG: "debug" } },
  );

  it("both workers serve the port, and /metrics sums their counters", async () => {
    expect(await rusm.metric("rusm_workers")).toBe(2);
    const before = await rusm.exits();
    const requestsBefore = await rusm.metric("rusm_requests_total", { route: "GET /hello" });
    const N = 40;
    const answers = await Promise.all(
      Array.from({ length: N }, () => getFresh(`${rusm.url}/hello`)),
    );
    expect(answers.every((a) => a.status === 200 && a.body === "hello from wat\n")).toBe(true);
    await expectExits(rusm, before, { normal: N });
    expect(await rusm.metric("rusm_requests_total", { route: "GET /hello" })).toBe(
      requestsBefore + N,
    );
    // Each process's exit is logged by the worker that ran it: both did.
    expect(exitWorkers(rusm.logs(), "hello")).toEqual(new Set([1, 2]));
    // A pid names one process on the whole node, whichever worker ran it.
    const pids = rusm
      .logs()
      .filter((l) => l.msg === "process exited" && l.component === "hello")
      .map((l) => l.pid);
    expect(pids.length).toBeGreaterThanOrEqual(N);
    expect(new Set(pids).size, "distinct pids").toBe(pids.length);
    // Node's process metrics come once (from the supervisor), not once per thread.
    const text = await rusm.metricsText();
    expect(text.match(/^process_cpu_user_seconds_total /gm)?.length).toBe(1);
  });

  it("a publish reaches subscribers on every worker, counted over the whole node", async () => {
    const SUBSCRIBERS = 12;
    const before = await rusm.exits();
    const feeds = Array.from({ length: SUBSCRIBERS }, () =>
      openFeed(`${rusm.url}/tail/across?hb=60000`),
    );
    await untilSubscriptions(rusm, "across", SUBSCRIBERS);
    // POST /publish on admin: the supervisor's hub asks every worker.
    expect(await publish(rusm, "across", "from admin")).toEqual({ delivered: SUBSCRIBERS });
    // A guest's publish (rusm:pubsub/broker.publish) parks until every other worker answered.
    const res = await fetch(`${rusm.url}/publish/across`, { method: "POST", body: "from a guest" });
    expect(await res.json()).toEqual({ delivered: SUBSCRIBERS });
    await rusm.until("every feed has both messages", () =>
      feeds.every((f) => f.events.length === 2),
    );
    for (const feed of feeds) expect(feed.events).toEqual(["from admin", "from a guest"]);
    expect(await rusm.metric("rusm_broker_delivered_total", { topic: "across" })).toBe(
      2 * SUBSCRIBERS,
    );
    expect(await rusm.metric("rusm_broker_published_total", { topic: "across" })).toBe(2);
    for (const feed of feeds) feed.close();
    await untilSubscriptions(rusm, "across", 0);
    await expectExits(rusm, before, { disconnected: SUBSCRIBERS, normal: 1 });
    // The subscribers were spread over both workers (12 connections all on one: p = 2^-11).
    expect(exitWorkers(rusm.logs(), "tail")).toEqual(new Set([1, 2]));
  });
});

describe("the watchdog", () => {
  it("replaces a worker whose event loop stalled, counts what it cut, and the port keeps serving", async () => {
    const rusm = await startRusm(
      routes(
        `
[components]
hello = "${guest("http-hello")}"
spin = { path = "${guest("cpu-spin")}", preempt = "none" }

[serve.routes]
"GET /hello" = "hello"
"GET /spin" = "spin"
`,
        "workers = 2",
      ),
    );
    try {
      const before = await rusm.exits();
      // No preemption checks: the guest holds its worker's thread until the thread is stopped.
      const spinning = getFresh(`${rusm.url}/spin`).then(
        () => "answered",
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      // 5 s of the spinner's CPU: on a machine busy with other work, many more of wall time.
      await rusm.until(
        "the watchdog's log line",
        () =>
          rusm
            .logs()
            .some((l) => l.msg?.toString().startsWith("watchdog: a worker's event loop stalled")),
        60_000,
      );
      const line = rusm
        .logs()
        .find((l) => l.msg?.toString().startsWith("watchdog: a worker's event loop stalled"))!;
      expect(line.level).toBe(50);
      expect([1, 2]).toContain(line.worker);
      // Judged on the CPU time its thread used without a beat (5 s), not on wall-clock time.
      expect(line.signal).toBe("cpu");
      expect(line.clock).toBe("thread");
      expect(line.cpuMs as number).toBeGreaterThan(5_000);
      expect(line.stalledMs as number).toBeGreaterThanOrEqual(line.cpuMs as number);
      expect(line.processesLost).toBe(1);
      expect(line.connectionsCut as number).toBeGreaterThanOrEqual(1);
      // The client of the cut connection sees it reset, not an answer.
      expect(await spinning).toBe("ECONNRESET");
      await rusm.until("the replacement serves", () =>
        rusm.logs().some((l) => l.msg === "watchdog: the replacement worker is serving"),
      );
      expect(await rusm.metric("rusm_workers")).toBe(2);
      expect(await rusm.metric("rusm_watchdog_restarts_total", { signal: "cpu" })).toBe(1);
      expect(await rusm.metric("rusm_watchdog_restarts_total", { signal: "blocked" })).toBe(0);
      expect(await rusm.metric("rusm_watchdog_connections_cut_total")).toBe(line.connectionsCut);
      // Every exit is counted: the spinner as killed, by the supervisor.
      await expectExits(rusm, before, { killed: 1 });
      // Both workers (the replacement included) serve the port again.
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => getFresh(`${rusm.url}/hello`)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });
});

describe("--workers", () => {
  it("overrides [serve] workers; without either, one worker per core", async () => {
    const hello = `[components]\nhello = "${guest("http-hello")}"\n[serve.routes]\n"GET /hello" = "hello"\n`;
    const one = await startRusm(routes(hello, "workers = 2"), { args: ["--workers", "1"] });
    expect(await one.metric("rusm_workers")).toBe(1);
    expect((await getFresh(`${one.url}/hello`)).status).toBe(200);
    expect(await one.stop()).toBe(0);
    const all = await startRusm(routes(hello));
    expect(await all.metric("rusm_workers")).toBe(availableParallelism());
    expect(await all.stop()).toBe(0);
  });

  it("rejects a bad value as a usage error (exit 2) with a hint", async () => {
    const file = await writeRoutes(
      routes(
        `[components]\nhello = "${guest("http-hello")}"\n[serve.routes]\n"GET /hello" = "hello"\n`,
      ),
    );
    for (const bad of ["0", "257", "two", "1.5"]) {
      const run = await runRusm(["serve", file, "--workers", bad]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^rusm: error\\[RUSM_USAGE\\] --workers ${bad.replace(".", "\\.")}: not a whole number from 1 to 256\\n  hint: give the number of worker threads`,
        ),
      );
    }
  });
});
