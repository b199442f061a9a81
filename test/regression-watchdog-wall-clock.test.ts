/**
 * Regression (issue 15, point 1): the watchdog judged a worker by wall-clock time.
 *
 * Symptom: on a freshly started server whose machine had both cores busy with other work, 50
 * simultaneous requests to TypeScript (StarlingMonkey) guests held each worker's event loop for
 * over 1 s of wall-clock time; the watchdog replaced both workers and every connection on them
 * was cut. Stopping the whole server (SIGSTOP, a debugger, a paused container) for more than
 * 1 s did the same once it went on.
 *
 * Root cause: the supervisor measured a worker's silence on its own wall clock, which counts
 * time the OS gave to other processes, and time no thread of the server ran at all. It now
 * judges a worker by the CPU time its own thread used without a beat (workers/silence.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { openFeed, type Feed } from "./helpers/clients.ts";
import { sleep } from "./helpers/exits.ts";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";

const ROUTES = routes(
  `
[components]
tail = "${guest("live-tail")}"
hello = "${guest("sm-hello")}"
work = { path = "${guest("cpu-work")}", preempt = "none" }

[serve.routes]
"GET /tail/:topic" = "tail"
"GET /hello" = "hello"
"GET /work" = "work"
`,
  "workers = 2",
);

/** GET with a fresh connection (so the kernel spreads them over the workers). */
function getFresh(url: string): Promise<number | string> {
  return new Promise((done) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
      res.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
    req.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    req.end();
  });
}

/**
 * Sends `n` pipelined `GET path` in one write on one connection: the worker that reads them
 * starts every process in one event-loop turn. Resolves with the statuses once all are answered
 * (or the connection ended).
 */
function pipelined(url: string, path: string, n: number): Promise<string[]> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = "";
    const statuses = () => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]!);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (statuses().length === n) socket.end();
    });
    socket.on("close", () => done(statuses()));
    socket.on("error", () => undefined);
    const one = `GET ${path} HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`;
    socket.write(one.repeat(n));
  });
}

/** Live tails on `topic`, spread over the workers, each subscribed. */
async function openTails(rusm: Rusm, topic: string, n: number): Promise<Feed[]> {
  const feeds = Array.from({ length: n }, () => openFeed(`${rusm.url}/tail/${topic}?hb=60000`));
  await untilSubscriptions(rusm, topic, n);
  return feeds;
}

/** Every feed got `data` and none was ever cut. */
async function expectFlowing(rusm: Rusm, feeds: Feed[], topic: string, data: string) {
  expect(await publish(rusm, topic, data)).toEqual({ delivered: feeds.length });
  await rusm.until(`every feed has "${data}"`, () => feeds.every((f) => f.events.includes(data)));
  expect(feeds.map((f) => f.errors)).toEqual(feeds.map(() => 0));
}

/** The watchdog's own record: restarts by signal, and its log lines. */
async function expectNoRestart(rusm: Rusm): Promise<void> {
  expect(await rusm.metric("rusm_watchdog_restarts_total")).toBe(0);
  const lines = rusm
    .logs()
    .filter((l) => String(l.msg).startsWith("watchdog: a worker's event loop stalled"));
  expect(lines).toEqual([]);
  expect(await rusm.metric("rusm_workers")).toBe(2);
}

const hogs: ChildProcess[] = [];
afterEach(() => {
  for (const hog of hogs.splice(0)) hog.kill("SIGKILL");
});

describe("the watchdog judges a worker by its own thread's CPU time", () => {
  it("a server stopped (SIGSTOP) for 2.5 s in the middle of a long step goes on: no worker replaced, its streams keep flowing", async () => {
    const rusm = await startRusm(ROUTES);
    try {
      const feeds = await openTails(rusm, "paused", 6);
      await expectFlowing(rusm, feeds, "paused", "before");
      // A legitimate long step: 12 processes of a guest without preemption checks, each
      // computing ~36 ms, all started in one turn of one worker's event loop.
      const N = 12;
      const step = pipelined(rusm.url, "/work", N);
      await sleep(150);
      // Every thread stops mid-step: the supervisor's wall clock runs on, no thread uses CPU.
      rusm.child.kill("SIGSTOP");
      await sleep(2_500);
      rusm.child.kill("SIGCONT");
      expect(await step).toEqual(Array(N).fill("200"));
      // The old watchdog fired at its first check once the server went on; give it many.
      await sleep(1_000);
      await expectFlowing(rusm, feeds, "paused", "after");
      await expectNoRestart(rusm);
      for (const feed of feeds) feed.close();
    } finally {
      rusm.child.kill("SIGCONT");
      expect(await rusm.stop()).toBe(0);
    }
  });

  it("both cores busy with other work: a cold burst of StarlingMonkey requests is served without a restart", async () => {
    const rusm = await startRusm(ROUTES);
    try {
      const feeds = await openTails(rusm, "busy", 6);
      // Two processes that use a core each, for as long as the test runs.
      for (let i = 0; i < 2; i++) {
        hogs.push(spawn("sh", ["-c", "exec yes > /dev/null"], { stdio: "ignore" }));
      }
      await sleep(500);
      // The first requests to a 14 MB StarlingMonkey component: instantiation and V8's lazy
      // compilation of its functions run on each worker's event loop, slowed by the hogs.
      const N = 50;
      const answers = await Promise.all(
        Array.from({ length: N }, () => getFresh(`${rusm.url}/hello`)),
      );
      expect(answers).toEqual(Array(N).fill(200));
      await expectFlowing(rusm, feeds, "busy", "after the burst");
      await expectNoRestart(rusm);
      for (const feed of feeds) feed.close();
    } finally {
      for (const hog of hogs.splice(0)) hog.kill("SIGKILL");
      expect(await rusm.stop()).toBe(0);
    }
  });
});
