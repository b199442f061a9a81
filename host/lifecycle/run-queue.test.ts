import { describe, expect, it } from "vitest";
import { RunQueue, TURN_TARGET_MS } from "./run-queue.ts";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("RunQueue: a bounded share of starts and wake-ups per event-loop turn", () => {
  it("runs tasks at once up to the turn's limit, the rest in order in later turns", async () => {
    const queue = new RunQueue();
    const ran: number[] = [];
    for (let i = 0; i < 100; i++) queue.run(() => ran.push(i));
    expect(ran.length).toBe(queue.limit);
    expect(queue.queued).toBe(100 - queue.limit);
    expect(queue.deferred).toBe(100 - queue.limit);
    while (queue.queued > 0) await turn();
    expect(ran).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("stops running tasks at once when the turn is older than its target", async () => {
    let now = 0;
    const queue = new RunQueue(() => now);
    const ran: string[] = [];
    queue.run(() => ran.push("a"));
    now += TURN_TARGET_MS + 1; // the first task took the whole turn
    queue.run(() => ran.push("b"));
    expect(ran).toEqual(["a"]);
    await turn();
    expect(ran).toEqual(["a", "b"]);
  });

  it("halves its share after a long turn, and grows it back after short full ones", async () => {
    let now = 0;
    const queue = new RunQueue(() => now);
    const start = queue.limit;
    queue.run(() => (now += 3 * TURN_TARGET_MS));
    await turn();
    expect(queue.limit).toBe(start / 2);
    for (let i = 0; i < start / 2; i++) queue.run(() => undefined);
    await turn();
    expect(queue.limit).toBe(start);
  });

  it("a task that throws is reported and goes no further; the next ones still run", async () => {
    const queue = new RunQueue();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on("warning", onWarning);
    const ran: number[] = [];
    try {
      expect(() =>
        queue.run(() => {
          throw new Error("boom");
        }),
      ).not.toThrow();
      queue.run(() => ran.push(1));
      await turn();
      await turn();
    } finally {
      process.off("warning", onWarning);
    }
    expect(ran).toEqual([1]);
    expect(warnings.some((w) => w.includes("boom"))).toBe(true);
  });
});
