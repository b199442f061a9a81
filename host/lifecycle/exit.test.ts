import { describe, expect, it } from "vitest";
import { classifyExit, ProcessExit, type ExitFacts } from "./exit.ts";

const MiB = 1_048_576;
const base: ExitFacts = {
  stopped: null,
  error: undefined,
  clientGone: false,
  memoryBytes: 2 * MiB,
  memoryCapBytes: 64 * MiB,
  saidOutOfMemory: false,
};

describe("classifyExit: exactly one reason", () => {
  it("normal when the handler returned with its client connected", () => {
    expect(classifyExit(base).reason).toBe("normal");
    expect(classifyExit({ ...base, error: new ProcessExit(true) }).reason).toBe("normal");
  });

  it("disconnected when it returned after its client left", () => {
    expect(classifyExit({ ...base, clientGone: true }).reason).toBe("disconnected");
  });

  it("trap for any failure far from the memory cap, with its message", () => {
    const exit = classifyExit({ ...base, error: new WebAssembly.RuntimeError("unreachable") });
    expect(exit).toEqual({ reason: "trap", detail: "RuntimeError: unreachable" });
    expect(classifyExit({ ...base, error: new ProcessExit(false) }).reason).toBe("trap");
    expect(classifyExit({ ...base, error: new Error("x"), clientGone: true }).reason).toBe("trap");
  });

  it("oom for a failure within the margin of the cap, or an out-of-memory message on stderr", () => {
    const near = { ...base, memoryBytes: 60 * MiB };
    expect(classifyExit({ ...near, error: new Error("unreachable") }).reason).toBe("oom");
    expect(classifyExit({ ...near, saidOutOfMemory: true }).reason).toBe("oom");
    expect(classifyExit({ ...near }).reason).toBe("normal");
    // StarlingMonkey reports OOM on stderr far below the cap, and does not trap.
    expect(classifyExit({ ...base, saidOutOfMemory: true }).reason).toBe("oom");
  });

  it("oom with the address-space hint when the host could not allocate the instance", () => {
    const exit = classifyExit({
      ...base,
      error: new RangeError("WebAssembly.Memory(): could not allocate memory"),
      hostOutOfMemory: true,
    });
    expect(exit.reason).toBe("oom");
    expect(exit.detail).toContain("could not allocate memory");
    expect(exit.detail).toContain("--disable-wasm-trap-handler");
    // The same RangeError thrown by a running guest's host call is an ordinary trap.
    expect(
      classifyExit({ ...base, error: new RangeError("could not allocate memory") }).reason,
    ).toBe("trap");
  });

  it("a stop by the host (killed, shutdown) wins over the error it caused", () => {
    for (const reason of ["killed", "shutdown"] as const) {
      const exit = classifyExit({
        ...base,
        stopped: { reason, detail: "why" },
        error: new Error("x"),
        clientGone: true,
      });
      expect(exit).toEqual({ reason, detail: "why" });
    }
  });

  it("a process stopped in a wait because its client left is disconnected, with no detail", () => {
    const exit = classifyExit({
      ...base,
      stopped: { reason: "disconnected", detail: "client gone while it waited" },
      error: new Error("ProcessKilled"),
      clientGone: true,
    });
    expect(exit).toEqual({ reason: "disconnected", detail: undefined });
  });

  it("a wall-clock limit wins over a CPU budget", () => {
    const exit = classifyExit({
      ...base,
      stopped: { reason: "timeout", detail: "max-duration-ms" },
      cpuExceeded: "used 10 ms",
      error: new Error("x"),
    });
    expect(exit).toEqual({ reason: "timeout", detail: "max-duration-ms" });
  });
});
