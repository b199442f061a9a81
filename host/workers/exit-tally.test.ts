import { describe, expect, it } from "vitest";
import { EXIT_REASONS } from "../lifecycle/exit.ts";
import { ProcessRegistry, type RegisteredProcess } from "../lifecycle/registry.ts";
import { createMetrics } from "../metrics/index.ts";
import { createExitTally, ExitTallyReader, ExitTallyWriter } from "./exit-tally.ts";

const COMPONENTS = ["a", "b"];
const ZERO = Object.fromEntries(EXIT_REASONS.map((r) => [r, 0]));

describe("exit tally", () => {
  it("a registry counts every start and exit into it, by component, each exit once", () => {
    const slot = createExitTally(COMPONENTS);
    const registry = new ProcessRegistry(
      createMetrics(),
      undefined,
      new ExitTallyWriter(slot, COMPONENTS),
    );
    const reader = new ExitTallyReader(slot, COMPONENTS);
    const started: RegisteredProcess[] = [];
    for (let i = 0; i < 5; i++) {
      const process = {
        pid: registry.nextPid(),
        componentName: i < 3 ? "a" : "b",
        stop: () => undefined,
        drain: () => false,
      };
      registry.started(process);
      started.push(process);
    }
    registry.exited(started[0]!, { reason: "normal", detail: undefined });
    registry.exited(started[0]!, { reason: "trap", detail: undefined }); // ignored: already ended
    registry.exited(started[1]!, { reason: "disconnected", detail: undefined });
    registry.exited(started[3]!, { reason: "cpu", detail: undefined });
    expect(reader.exits()).toEqual({
      a: { ...ZERO, normal: 1, disconnected: 1 },
      b: { ...ZERO, cpu: 1 },
    });
    // Two are still live, one of each: lost, if the worker went now.
    expect(reader.liveByComponent()).toEqual({ a: 1, b: 1 });
    expect(reader.live()).toBe(2);
    expect(Object.fromEntries(registry.exits())).toEqual({
      ...ZERO,
      normal: 1,
      disconnected: 1,
      cpu: 1,
    });
  });

  it("is read through shared memory from another thread's writes", async () => {
    const { Worker } = await import("node:worker_threads");
    const slot = createExitTally(COMPONENTS);
    const thread = new Worker(
      `const { workerData } = require("node:worker_threads");
      import(workerData.module).then(({ ExitTallyWriter }) => {
        const writer = new ExitTallyWriter(workerData.slot, workerData.components);
        for (let i = 0; i < 1000; i++) writer.started("b");
        for (let i = 0; i < 990; i++) writer.exited("b", i % 2 ? "normal" : "killed");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never answers again
      });`,
      {
        eval: true,
        workerData: {
          slot,
          components: COMPONENTS,
          module: new URL("./exit-tally.ts", import.meta.url).href,
        },
      },
    );
    const reader = new ExitTallyReader(slot, COMPONENTS);
    const deadline = Date.now() + 10_000;
    const done = () => reader.exits().b!.normal + reader.exits().b!.killed;
    while (done() < 990 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await thread.terminate();
    expect(reader.exits().b).toMatchObject({ normal: 495, killed: 495 });
    expect(reader.exits().a).toEqual(ZERO);
    expect(reader.liveByComponent()).toEqual({ a: 0, b: 10 });
  });
});
