import { describe, expect, it } from "vitest";
import { EXIT_REASONS } from "../lifecycle/exit.ts";
import { ProcessRegistry, type RegisteredProcess } from "../lifecycle/registry.ts";
import { createMetrics } from "../metrics/index.ts";
import { createExitTally, ExitTallyReader, ExitTallyWriter } from "./exit-tally.ts";

describe("exit tally", () => {
  it("a registry counts every start and exit into it, each exit once", () => {
    const slot = createExitTally();
    const registry = new ProcessRegistry(createMetrics(), undefined, new ExitTallyWriter(slot));
    const reader = new ExitTallyReader(slot);
    const started: RegisteredProcess[] = [];
    for (let i = 0; i < 5; i++) {
      const process = { pid: registry.nextPid(), stop: () => undefined, drain: () => false };
      registry.started(process);
      started.push(process);
    }
    registry.exited(started[0]!, { reason: "normal", detail: undefined });
    registry.exited(started[0]!, { reason: "trap", detail: undefined }); // ignored: already ended
    registry.exited(started[1]!, { reason: "disconnected", detail: undefined });
    registry.exited(started[2]!, { reason: "cpu", detail: undefined });
    const want = Object.fromEntries(EXIT_REASONS.map((r) => [r, 0]));
    expect(reader.exits()).toEqual({ ...want, normal: 1, disconnected: 1, cpu: 1 });
    // Two are still live: lost, if the worker went now.
    expect(reader.live()).toBe(2);
    expect(Object.fromEntries(registry.exits())).toEqual(reader.exits());
  });

  it("is read through shared memory from another thread's writes", async () => {
    const { Worker } = await import("node:worker_threads");
    const slot = createExitTally();
    const thread = new Worker(
      `const { workerData } = require("node:worker_threads");
      import(workerData.module).then(({ ExitTallyWriter }) => {
        const writer = new ExitTallyWriter(workerData.slot);
        for (let i = 0; i < 1000; i++) writer.started();
        for (let i = 0; i < 990; i++) writer.exited(i % 2 ? "normal" : "killed");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never answers again
      });`,
      {
        eval: true,
        workerData: { slot, module: new URL("./exit-tally.ts", import.meta.url).href },
      },
    );
    const reader = new ExitTallyReader(slot);
    const deadline = Date.now() + 10_000;
    while (reader.exits().normal + reader.exits().killed < 990 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await thread.terminate();
    expect(reader.exits()).toMatchObject({ normal: 495, killed: 495 });
    expect(reader.live()).toBe(10);
  });
});
