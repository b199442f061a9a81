/**
 * Bursts a client can cause, each on one worker thread (issue 15, "no synchronous pile-up"):
 *
 * - **A mass disconnect.** 10,000 parked live tails whose client process dies at once.
 *   Symptom: tearing them down held the event loop ~1 s, the watchdog replaced the worker,
 *   5,486 processes were counted `killed` instead of `disconnected` and the exits counted before
 *   were lost. Root cause: every socket's close woke its process in the same turn, and each
 *   woken process ran to its end (unwind, release, count) in that turn's microtasks.
 * - **A mass disconnect of TypeScript live tails** (5,000 on QuickJS). Symptom: 4,824 of them
 *   were counted `killed`. Root cause: tearing them down takes longer than the 5 s disconnect
 *   grace (each woken process runs its guest to its end, ~1.6 ms), and the grace counted from
 *   the client's departure, so processes still queued for their wake-up were killed for time
 *   they never ran. Now the grace counts from the process's first run after its client left.
 * - **A publish burst.** 200 publishes at once to 5,000 live tails. Symptom: the worker stalled
 *   ~1.1 s and was replaced before a single message arrived. Root cause: each delivery woke
 *   5,000 processes in one turn, 200 times over.
 * - **10,000 pipelined requests in one write.** Symptom: none was answered and the worker was
 *   replaced. Root cause: Node emits every request of one socket read in one turn, and a
 *   process started for each at once. Now a connection runs `max-pipelined` at once and holds
 *   at most 1,024 more; the next is refused (503, `Connection: close`).
 *
 * Fix: every process start and every wake-up goes through the thread's run queue
 * (lifecycle/run-queue.ts), which runs a bounded share per turn; a connection runs at most
 * `max-pipelined` requests at once, the rest waiting with the socket paused
 * (server/connection-gate.ts); the broker's deliveries from other threads are paced the same
 * way. Each test checks that every process is counted exactly once, with the right reason, and
 * that no watchdog replaced the worker.
 */
import { describe, expect, it } from "vitest";
import { connect } from "node:net";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";
import { Swarm } from "./helpers/swarm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { expectNoRestart } from "./helpers/watchdog.ts";

const ONE_WORKER = "workers = 1";

const TAILS = routes(
  `
[components]
tail = "${guest("live-tail")}"
hello = "${guest("http-hello")}"
[serve.routes]
"GET /tail/:topic" = "tail"
"GET /hello" = "hello"
`,
  ONE_WORKER,
);

/**
 * The burst was paced: some starts or wake-ups waited for a later turn (the run queue's
 * counter). Without the run queue every one runs in the turn that asked for it.
 */
async function expectPaced(rusm: Rusm, deferredBefore: number): Promise<void> {
  const deferred = (await rusm.metric("rusm_run_queue_deferred_total")) - deferredBefore;
  expect(deferred, "starts and wake-ups deferred to later turns").toBeGreaterThan(0);
}

/** A raw GET whose body is counted and dropped (an endless stream, read as fast as it comes). */
async function countingStream(
  baseUrl: string,
  path: string,
): Promise<{ bytes(): number; closed(): boolean; destroy(): void }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((done) => socket.once("connect", done));
  let bytes = 0;
  let closed = false;
  socket.on("data", (d: Buffer) => (bytes += d.length));
  socket.on("close", () => (closed = true));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  return { bytes: () => bytes, closed: () => closed, destroy: () => socket.destroy() };
}

async function untilParked(rusm: Rusm, n: number): Promise<void> {
  await rusm.until(
    `${n} parked processes`,
    async () => (await rusm.metric("rusm_processes_parked")) === n,
    120_000,
  );
}

describe("a mass disconnect: 10,000 parked live tails whose client process dies", () => {
  const rusm = rusmForSuite(TAILS);

  it("all end disconnected, each counted once, with no watchdog restart", async () => {
    const swarm = await Swarm.start(rusm.url, "/tail/mass?hb=600000");
    try {
      await swarm.open(10_000);
      await untilParked(rusm, 10_000);
      const before = await rusm.exits();
      const deferred = await rusm.metric("rusm_run_queue_deferred_total");
      await swarm.kill();
      await untilNoProcesses(rusm, 120_000);
      await expectExits(rusm, before, { disconnected: 10_000 });
      await expectPaced(rusm, deferred);
      expect(await rusm.metric("rusm_broker_subscriptions", { topic: "mass" })).toBe(0);
      await expectNoRestart(rusm);
      // The worker serves on.
      expect((await fetch(`${rusm.url}/hello`)).status).toBe(200);
    } finally {
      await swarm.kill();
    }
  }, 300_000);
});

describe("a mass disconnect whose teardown outlasts the grace: 5,000 TypeScript live tails (QuickJS)", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
live = { path = "${guest("ts-live", "quickjs")}", max-memory-mb = 96 }
[serve.routes]
"GET /tail/:topic" = "live#follow"
`,
      ONE_WORKER,
    ),
  );

  it("all end disconnected, none killed, each counted once", async () => {
    const swarm = await Swarm.start(rusm.url, "/tail/ts-mass?hb=600000");
    try {
      await swarm.open(5_000);
      await untilParked(rusm, 5_000);
      const before = await rusm.exits();
      await swarm.kill();
      await untilNoProcesses(rusm, 120_000);
      await expectExits(rusm, before, { disconnected: 5_000 });
      expect(await rusm.metric("rusm_broker_subscriptions", { topic: "ts-mass" })).toBe(0);
      await expectNoRestart(rusm);
    } finally {
      await swarm.kill();
    }
  }, 300_000);
});

describe("a publish burst: 200 publishes at once to 5,000 live tails", () => {
  const rusm = rusmForSuite(TAILS);

  it("every subscriber gets every message, with no watchdog restart", async () => {
    const swarm = await Swarm.start(rusm.url, "/tail/burst?hb=600000");
    try {
      await swarm.open(5_000);
      await untilParked(rusm, 5_000);
      const before = await rusm.exits();
      const deferred = await rusm.metric("rusm_run_queue_deferred_total");
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          fetch(`${rusm.adminUrl}/publish/burst`, { method: "POST", body: `m${i}` }).then((r) =>
            r.json(),
          ),
        ),
      );
      expect(answers.every((a) => (a as { delivered: number }).delivered === 5_000)).toBe(true);
      await rusm.until(
        "every subscriber read 200 messages",
        async () => (await swarm.report()).minEvents >= 200,
        120_000,
      );
      const report = await swarm.report();
      expect(report).toMatchObject({ clients: 5_000, heads: 5_000, closed: 0, maxEvents: 200 });
      expect(await rusm.metric("rusm_broker_dropped_total")).toBe(0);
      await expectPaced(rusm, deferred);
      await expectNoRestart(rusm);
      await swarm.kill();
      await untilNoProcesses(rusm, 120_000);
      await expectExits(rusm, before, { disconnected: 5_000 });
    } finally {
      await swarm.kill();
    }
  }, 300_000);
});

describe("10,000 pipelined requests in one write", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
hello = "${guest("http-hello")}"
endless = "${guest("sse-endless")}"
[serve.routes]
"GET /hello" = "hello"
"GET /feed" = "endless"
`,
      ONE_WORKER,
    ),
  );

  it("are answered in order until the connection's waiting limit, then refused (503, close); another connection's stream keeps flowing", async () => {
    const feed = await countingStream(rusm.url, "/feed");
    const { hostname, port } = new URL(rusm.url);
    const socket = connect({ host: hostname, port: Number(port) });
    const connected = new Promise<void>((done) => socket.once("connect", done));
    try {
      await rusm.until("the other stream flows", () => feed.bytes() > 10_000);
      await connected;
      const statuses: string[] = [];
      let tail = "";
      let closed = false;
      socket.on("data", (d: Buffer) => {
        // Keep only what follows the last status line seen (the answers are ~190 bytes each).
        const parts = (tail + d.toString("latin1")).split("HTTP/1.1 ");
        for (const part of parts.slice(1, -1)) statuses.push(part.slice(0, 3));
        tail = `HTTP/1.1 ${parts.at(-1)}`;
      });
      socket.on("close", () => {
        if (tail.startsWith("HTTP/1.1 ")) statuses.push(tail.slice(9, 12));
        closed = true;
      });
      const one = `GET /hello HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
      const bytesAtStart = feed.bytes();
      socket.write(one.repeat(10_000));
      await rusm.until("the connection closes", () => closed, 120_000);
      // Answered up to max-pipelined running + 1,024 waiting (server/connection-gate.ts), then
      // refused; an HTTP/1.1 client retries what was not answered.
      expect(statuses.length).toBeGreaterThanOrEqual(16 + 1_024 + 1);
      expect(statuses.slice(0, -1).every((s) => s === "200")).toBe(true);
      expect(statuses.at(-1)).toBe("503");
      expect(tail).toMatch(/connection: close/i);
      expect(feed.bytes(), "the other stream kept flowing").toBeGreaterThan(bytesAtStart);
      expect(feed.closed(), "the other stream is still open").toBe(false);
      await expectNoRestart(rusm);
      const hello = await fetch(`${rusm.url}/hello`);
      expect(hello.status).toBe(200);
      await hello.text();
    } finally {
      socket.destroy();
      feed.destroy();
    }
    await untilNoProcesses(rusm);
  }, 300_000);
});
