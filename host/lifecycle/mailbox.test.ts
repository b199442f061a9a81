import { describe, expect, it } from "vitest";
import { Mailbox } from "./mailbox.ts";

const m = (data: string) => ({ topic: "t", data });

describe("Mailbox", () => {
  it("queues up to its capacity, in order, and says when it is full", () => {
    const box = new Mailbox(2);
    expect(box.offer(m("a"))).toBe(true);
    expect(box.offer(m("b"))).toBe(true);
    expect(box.offer(m("c"))).toBe(false);
    expect(box.size).toBe(2);
    expect(box.poll()).toEqual({ kind: "message", message: m("a") });
    expect(box.poll()).toEqual({ kind: "message", message: m("b") });
    expect(box.poll()).toBeNull();
  });

  it("drops the oldest on request", () => {
    const box = new Mailbox(2);
    box.offer(m("a"));
    box.offer(m("b"));
    expect(box.dropOldest()).toEqual(m("a"));
    expect(box.offer(m("c"))).toBe(true);
    expect([box.poll(), box.poll()]).toEqual([
      { kind: "message", message: m("b") },
      { kind: "message", message: m("c") },
    ]);
  });

  it("a waiter gets the next message directly, without a timer firing", async () => {
    const box = new Mailbox(1);
    const next = box.next(60_000);
    expect(box.offer(m("x"))).toBe(true);
    expect(box.size).toBe(0);
    await expect(next).resolves.toEqual({ kind: "message", message: m("x") });
  });

  it("times out, or ends early as a timeout when cancelled", async () => {
    const box = new Mailbox(1);
    await expect(box.next(5)).resolves.toEqual({ kind: "timeout" });
    let cancel: () => void = () => undefined;
    let unregistered = 0;
    const next = box.next(60_000, (c) => {
      cancel = c;
      return () => unregistered++;
    });
    cancel();
    await expect(next).resolves.toEqual({ kind: "timeout" });
    expect(unregistered).toBe(1);
    // The cancelled waiter is gone: the next message is queued, not lost.
    expect(box.offer(m("y"))).toBe(true);
    expect(box.size).toBe(1);
  });

  it("a wait that ends by a message or a timeout unregisters its cancel listener", async () => {
    const box = new Mailbox(1);
    let live = 0;
    const cancelOn = () => (live++, () => void live--);
    const byMessage = box.next(60_000, cancelOn);
    box.offer(m("x"));
    await byMessage;
    await box.next(1, cancelOn);
    expect(live).toBe(0);
  });

  it("close discards what is queued, wakes a waiter with closed, and refuses more", async () => {
    const box = new Mailbox(4);
    box.offer(m("a"));
    box.offer(m("b"));
    expect(box.close()).toEqual([m("a"), m("b")]);
    expect(box.offer(m("c"))).toBe(false);
    await expect(box.next(60_000)).resolves.toEqual({ kind: "closed" });
    const waiting = new Mailbox(1);
    const next = waiting.next(60_000);
    waiting.close();
    await expect(next).resolves.toEqual({ kind: "closed" });
  });

  it("refuses a second waiter (one process, one stack) and a bad capacity", () => {
    const box = new Mailbox(1);
    void box.next(60_000);
    expect(() => box.next(1)).toThrow(/a second waiter/);
    box.close();
    expect(() => new Mailbox(0)).toThrow(RangeError);
  });
});
