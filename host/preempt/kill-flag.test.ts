import { describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { createKillFlag, enforceKillFlag, KillFlagWriter } from "./kill-flag.ts";

describe("kill flag", () => {
  it("the watchdog stops the running process only once its deadline passed", () => {
    const flag = createKillFlag();
    const writer = new KillFlagWriter(flag);
    writer.running(7, 1_000);
    expect(enforceKillFlag(flag, 999)).toBe(0);
    expect(writer.consumeKill()).toBe(false);
    expect(enforceKillFlag(flag, 1_001)).toBe(7);
    expect(new Int32Array(flag.buffer)[0], "word 0, what the guest's check loads").toBe(7);
    expect(writer.consumeKill()).toBe(true);
    expect(writer.consumeKill(), "told once").toBe(false);
  });

  it("does nothing while no process runs, and a budget of Infinity never runs out", () => {
    const flag = createKillFlag();
    const writer = new KillFlagWriter(flag);
    expect(enforceKillFlag(flag, 1e15)).toBe(0);
    writer.running(3, Infinity);
    expect(enforceKillFlag(flag, 1e15)).toBe(0);
    writer.idle();
    expect(enforceKillFlag(flag, 1e15)).toBe(0);
  });

  it("a kill that fired is remembered across the next running/idle until the trap asks", () => {
    const flag = createKillFlag();
    const writer = new KillFlagWriter(flag);
    writer.running(5, 10);
    expect(enforceKillFlag(flag, 11)).toBe(5);
    writer.idle(); // the worker moved on before the process reported its trap
    expect(new Int32Array(flag.buffer)[0]).toBe(0);
    writer.running(6, Infinity);
    expect(writer.consumeKill()).toBe(true);
    expect(writer.consumeKill()).toBe(false);
  });

  it("works across threads: a worker's deadline, enforced from the main thread", async () => {
    const flag = createKillFlag();
    const worker = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       const words = new Int32Array(workerData.buffer);
       const deadline = new Float64Array(workerData.buffer, 0, 2);
       Atomics.store(words, 0, 0);
       deadline[1] = performance.timeOrigin + performance.now() + 20;
       Atomics.store(words, 1, 9);
       parentPort.postMessage("running");
       // Spin the way a kill-only check does: load word 0 until it is not 0.
       while (Atomics.load(words, 0) === 0) {}
       parentPort.postMessage(Atomics.load(words, 0));`,
      { eval: true, workerData: flag },
    );
    const messages: unknown[] = [];
    const done = new Promise<void>((resolve) =>
      worker.on("message", (m) => {
        messages.push(m);
        if (messages.length === 2) resolve();
      }),
    );
    let stopped = 0;
    while (stopped === 0) {
      await new Promise((r) => setTimeout(r, 5));
      stopped = enforceKillFlag(flag);
    }
    await done;
    await worker.terminate();
    expect(stopped).toBe(9);
    expect(messages).toEqual(["running", 9]);
  });
});
