import { describe, expect, it } from "vitest";
import { judge, SilenceMeter, type StallLimits } from "./silence.ts";

const LIMITS: StallLimits = { cpuMs: 3_000, blockedMs: 30_000, maxGapMs: 500 };
const at = (cpuMs: number, waitMs = 0) => ({ cpuMs, waitMs });

describe("SilenceMeter and judge", () => {
  it("a thread spinning without a beat fires cpu once it used the CPU limit", () => {
    const meter = new SilenceMeter(7, 0, at(100), LIMITS.maxGapMs);
    let fired = null;
    for (let t = 100; t <= 3_200 && fired === null; t += 100) {
      const { silence } = meter.observe(7, t, at(100 + t));
      fired = judge(silence, LIMITS);
      if (t <= 3_000) expect(fired).toBeNull();
    }
    expect(fired).toBe("cpu");
  });

  it("wall time the thread spent waiting for a CPU (a busy machine) counts towards neither signal", () => {
    const meter = new SilenceMeter(1, 0, at(0), LIMITS.maxGapMs);
    // 20 s without a beat, a tenth of it on a CPU, the rest runnable but not running.
    let silence = meter.observe(1, 0, at(0)).silence;
    for (let t = 100; t <= 20_000; t += 100) {
      silence = meter.observe(1, t, at(t / 10, t * 0.9)).silence;
    }
    expect(silence).toEqual({ wallMs: 20_000, cpuMs: 2_000, blockedMs: 0 });
    expect(judge(silence, LIMITS)).toBeNull();
  });

  it("a wait the kernel reports only once it ended is made up for at the next check", () => {
    const meter = new SilenceMeter(1, 0, at(0), LIMITS.maxGapMs);
    let silence = meter.observe(1, 0, at(0)).silence;
    // Runnable, not running, for 1 s: the figure moves only when the thread gets a CPU again.
    for (let t = 100; t < 1_000; t += 100) silence = meter.observe(1, t, at(0)).silence;
    expect(silence.blockedMs).toBe(900);
    silence = meter.observe(1, 1_000, at(0, 1_000)).silence;
    expect(silence.blockedMs).toBe(0);
  });

  it("a thread asleep without a beat fires blocked after the blocked limit", () => {
    const meter = new SilenceMeter(1, 0, at(50), LIMITS.maxGapMs);
    let silence = meter.observe(1, 0, at(50)).silence;
    for (let t = 100; t <= 30_000; t += 100) silence = meter.observe(1, t, at(50)).silence;
    expect(judge(silence, LIMITS)).toBeNull();
    silence = meter.observe(1, 30_100, at(50)).silence;
    expect(silence.blockedMs).toBe(30_100);
    expect(judge(silence, LIMITS)).toBe("blocked");
  });

  it("a check that comes late (the whole process was stopped) counts at most maxGapMs", () => {
    const meter = new SilenceMeter(1, 0, at(0), LIMITS.maxGapMs);
    const { silence } = meter.observe(1, 60_000, at(1));
    expect(silence).toEqual({ wallMs: 60_000, cpuMs: 1, blockedMs: 499 });
    expect(judge(silence, LIMITS)).toBeNull();
  });

  it("a beat ends the silence: it is returned as `ended`, and the next one starts at zero", () => {
    const meter = new SilenceMeter(1, 0, at(0), LIMITS.maxGapMs);
    meter.observe(1, 100, at(100));
    const beat = meter.observe(2, 200, at(150));
    expect(beat.silence).toEqual({ wallMs: 0, cpuMs: 0, blockedMs: 0 });
    expect(beat.ended).toEqual({ wallMs: 200, cpuMs: 150, blockedMs: 50 });
    expect(meter.observe(2, 300, at(250)).silence).toEqual({
      wallMs: 100,
      cpuMs: 100,
      blockedMs: 0,
    });
  });
});
