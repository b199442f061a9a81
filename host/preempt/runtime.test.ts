import { describe, expect, it } from "vitest";
import { CpuMeter, FuelGauge, TICK_MS } from "./runtime.ts";

describe("CpuMeter", () => {
  it("counts running time, not parked time", () => {
    const cpu = new CpuMeter(100);
    cpu.enter(1_000);
    expect(cpu.used(1_010)).toBe(10);
    cpu.leave(1_010); // parks
    expect(cpu.used(5_000), "parked: the clock runs, the meter does not").toBe(10);
    cpu.enter(5_000);
    cpu.leave(5_030);
    expect(cpu.used()).toBe(40);
    expect(cpu.remaining()).toBe(60);
  });

  it("0 means no budget", () => {
    const cpu = new CpuMeter(0);
    cpu.enter(0);
    expect(cpu.remaining(1e9)).toBe(Infinity);
  });

  it("two processes resumed at once: the second's run counts from when the first stopped", () => {
    const a = new CpuMeter(1_000);
    const b = new CpuMeter(1_000);
    // (The thread's clock only moves forward: these times follow the previous test's.)
    // Both waits settle at t=20000; a runs first (20000..20050), then b (20050..20060).
    a.enter(20_000);
    b.enter(20_000);
    a.leave(20_050);
    b.leave(20_060);
    expect(a.used()).toBe(50);
    expect(b.used()).toBe(10);
  });

  it("enter twice keeps the first mark; leave while not running changes nothing", () => {
    const cpu = new CpuMeter(1_000);
    cpu.leave(10);
    cpu.enter(100_000);
    cpu.enter(100_005);
    cpu.leave(100_010);
    expect(cpu.used()).toBe(10);
  });
});

describe("FuelGauge", () => {
  it("grows while checks call faster than TICK_MS, scales down in proportion while slower", () => {
    const fuel = new FuelGauge();
    let ran = 0;
    const start = fuel.next(ran);
    const grown = [1, 2, 3].map(() => fuel.next((ran += TICK_MS / 10))).at(-1)!;
    expect(grown).toBe(start * 8);
    expect(fuel.next((ran += TICK_MS)), "about one call per TICK_MS: kept").toBe(grown);
    expect(fuel.next((ran += TICK_MS * 8)), "8 ms for that fuel: an eighth").toBe(grown / 8);
  });

  it("is per process: a fast loop's fuel does not reach a slow one", () => {
    const fast = new FuelGauge();
    const slow = new FuelGauge();
    let ran = 0;
    for (let i = 0; i < 20; i++) fast.next((ran += 0.001));
    expect(fast.next(ran + 0.001)).toBeGreaterThan(1_000_000);
    expect(slow.next(0)).toBe(1024);
  });
});
