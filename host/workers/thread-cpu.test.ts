import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { currentThreadId, ThreadCpuClock } from "./thread-cpu.ts";

describe("thread CPU clock (Linux /proc)", () => {
  it("a thread learns its id, and its clock counts its own CPU time", () => {
    const tid = currentThreadId();
    expect(tid).toBe(Number(readFileSync("/proc/thread-self/stat", "latin1").split(" ")[0]));
    const clock = new ThreadCpuClock(tid);
    expect(clock.kind).toBe("thread");
    const before = clock.read()!;
    // 60 ms of this thread's CPU, as Node's own per-thread clock (getrusage) counts it: on a
    // busy machine that takes longer than 60 ms of wall time.
    const cpu = (): number => {
      const { user, system } = process.threadCpuUsage();
      return (user + system) / 1_000;
    };
    const start = cpu();
    const giveUp = performance.now() + 30_000;
    while (cpu() - start < 60 && performance.now() < giveUp);
    const after = clock.read()!;
    // The kernel updates a running thread's figure at each scheduler tick (a few ms).
    expect(after.cpuMs - before.cpuMs).toBeGreaterThan(40);
    expect(after.waitMs).toBeGreaterThanOrEqual(before.waitMs);
    clock.close();
  });

  it("falls back to the process's CPU time without a thread id or its schedstat", () => {
    for (const tid of [0, 2 ** 31 - 1]) {
      const clock = new ThreadCpuClock(tid);
      expect(clock.kind).toBe("process");
      const { cpuMs, waitMs } = clock.read()!;
      const usage = process.cpuUsage();
      expect(cpuMs).toBeLessThanOrEqual((usage.user + usage.system) / 1_000);
      expect(waitMs).toBe(0);
    }
  });
});
