import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/index.ts";
import { EXIT_REASONS, type ExitReason } from "./exit.ts";
import { ProcessRegistry, type RegisteredProcess } from "./registry.ts";
import type { Down } from "./signal.ts";

function start(registry: ProcessRegistry): RegisteredProcess {
  const process = {
    pid: registry.nextPid(),
    componentName: "app",
    stop: () => undefined,
    drain: () => false,
  };
  registry.started(process);
  return process;
}

const exit = (reason: ExitReason) => ({ reason, detail: undefined });

describe("ProcessRegistry monitors", () => {
  it("a monitor gets one down with the exit reason, whatever the reason", () => {
    for (const reason of EXIT_REASONS) {
      const registry = new ProcessRegistry(createMetrics());
      const process = start(registry);
      const downs: Down[] = [];
      const ref = registry.monitor(process.pid, (d) => downs.push(d));
      registry.exited(process, exit(reason));
      registry.exited(process, exit("normal")); // a second exit is ignored
      expect(downs).toEqual([{ kind: "down", ref, pid: process.pid, reason }]);
    }
  });

  it("every monitor of a process gets its own down; a demonitored one does not", () => {
    const registry = new ProcessRegistry(createMetrics());
    const process = start(registry);
    const got: number[] = [];
    const first = registry.monitor(process.pid, (d) => got.push(d.ref));
    const second = registry.monitor(process.pid, (d) => got.push(d.ref));
    const third = registry.monitor(process.pid, (d) => got.push(d.ref));
    registry.demonitor(process.pid, second);
    registry.exited(process, exit("trap"));
    expect(got).toEqual([first, third]);
  });

  it("monitoring a process that already ended still gives its down, noproc, later", async () => {
    const registry = new ProcessRegistry(createMetrics());
    const process = start(registry);
    registry.exited(process, exit("normal"));
    const downs: Down[] = [];
    const ref = registry.monitor(process.pid, (d) => downs.push(d));
    expect(downs).toEqual([]); // not re-entrantly: the caller has its ref first
    await Promise.resolve();
    expect(downs).toEqual([{ kind: "down", ref, pid: process.pid, reason: "noproc" }]);
  });
});
