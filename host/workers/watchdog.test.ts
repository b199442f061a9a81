import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createKillFlag } from "../preempt/kill-flag.ts";
import { createHeartbeat, HeartbeatReader } from "./heartbeat.ts";
import type { StallLimits } from "./silence.ts";
import { Watchdog, type Stall, type Watched } from "./watchdog.ts";

// Real threads, read through /proc (Linux), with limits short enough for a unit test.

/** A thread that beats like a worker, then does what it is told: spin, block or keep busy. */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { HeartbeatWriter } = await import(workerData.heartbeatModule);
  const { currentThreadId } = await import(workerData.cpuModule);
  const writer = new HeartbeatWriter(workerData.slot, currentThreadId());
  writer.start();
  parentPort.on("message", (what) => {
    if (what === "spin") for (;;) {}
    if (what === "block") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    if (what === "busy") {
      // 1.5 s of CPU in 40 ms steps, the event loop turning (and beating) between them.
      let left = 1_500;
      const step = () => {
        const end = performance.now() + 40;
        while (performance.now() < end) {}
        left -= 40;
        if (left > 0) setImmediate(step);
        else parentPort.postMessage("done");
      };
      step();
    }
  });
  parentPort.postMessage("ready");
})();
`;

const threads: Worker[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
});

async function startThread(): Promise<{ thread: Worker; watched: Watched }> {
  const slot = createHeartbeat();
  const thread = new Worker(THREAD, {
    eval: true,
    workerData: {
      slot,
      heartbeatModule: new URL("./heartbeat.ts", import.meta.url).href,
      cpuModule: new URL("./thread-cpu.ts", import.meta.url).href,
    },
  });
  threads.push(thread);
  await new Promise((ready) => thread.once("message", ready));
  return {
    thread,
    watched: { index: 1, heartbeat: new HeartbeatReader(slot), killFlag: createKillFlag() },
  };
}

/** Watches one thread with `limits`; resolves with its first stall, or null after `ms`. */
function watchFor(watched: Watched, limits: StallLimits, ms: number): Promise<Stall | null> {
  return new Promise((done) => {
    const watchdog = new Watchdog({
      limits,
      onStall: (_, stall) => {
        watchdog.stop();
        done(stall);
      },
    });
    watchdog.watch(watched);
    expect(watchdog.checkStalls(watched.index)).toBe("thread");
    setTimeout(() => {
      watchdog.stop();
      done(null);
    }, ms);
  });
}

describe("the watchdog on real threads", () => {
  it("a thread spinning without a beat fires `cpu` once it used the CPU limit", async () => {
    const { thread, watched } = await startThread();
    const stall = watchFor(watched, { cpuMs: 300, blockedMs: 60_000, maxGapMs: 500 }, 10_000);
    thread.postMessage("spin");
    const fired = await stall;
    expect(fired?.signal).toBe("cpu");
    expect(fired?.clock).toBe("thread");
    expect(fired!.cpuMs).toBeGreaterThan(300);
    expect(fired!.blockedMs).toBeLessThan(300);
  });

  it("a thread asleep in a syscall without a beat fires `blocked`, not `cpu`", async () => {
    const { thread, watched } = await startThread();
    const stall = watchFor(watched, { cpuMs: 300, blockedMs: 400, maxGapMs: 500 }, 10_000);
    thread.postMessage("block");
    const fired = await stall;
    expect(fired?.signal).toBe("blocked");
    expect(fired!.cpuMs).toBeLessThan(100);
    expect(fired!.blockedMs).toBeGreaterThan(400);
  });

  it("a busy thread whose event loop keeps turning fires nothing", async () => {
    const { thread, watched } = await startThread();
    const stall = watchFor(watched, { cpuMs: 300, blockedMs: 400, maxGapMs: 500 }, 2_500);
    const done = new Promise((resolve) => thread.once("message", resolve));
    thread.postMessage("busy");
    await done;
    expect(await stall).toBeNull();
  });
});
