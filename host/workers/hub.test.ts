import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/index.ts";
import { TopicError } from "../services/broker/index.ts";
import { Hub, type HubMember } from "./hub.ts";
import type { ToWorker } from "./protocol.ts";

/** A member that records what it is sent. */
function member(index: number): HubMember & { got: ToWorker[] } {
  const got: ToWorker[] = [];
  return { index, got, post: (m) => void got.push(m) };
}

/** Lets the hub's answers (promise callbacks) run. */
const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

function deliveries(m: { got: ToWorker[] }): Array<ToWorker & { type: "deliver" }> {
  return m.got.filter((x): x is ToWorker & { type: "deliver" } => x.type === "deliver");
}

describe("Hub", () => {
  it("a counted publish from one worker asks every other worker and answers their sum", async () => {
    const hub = new Hub(createMetrics(undefined, undefined, false));
    const [a, b, c] = [member(1), member(2), member(3)];
    for (const m of [a, b, c]) hub.join(m);
    hub.fromWorker(1, 7, "news", "hi");
    expect(deliveries(a)).toEqual([]);
    const [toB] = deliveries(b);
    const [toC] = deliveries(c);
    expect(toB).toMatchObject({ topic: "news", data: "hi" });
    hub.delivered(2, toB!.id!, 3);
    await settled();
    expect(a.got).toEqual([]);
    hub.delivered(3, toC!.id!, 4);
    await settled();
    expect(a.got).toEqual([{ type: "published", id: 7, delivered: 7 }]);
  });

  it("a worker that leaves while a count waits for it counts 0", async () => {
    const hub = new Hub(createMetrics(undefined, undefined, false));
    const [a, b, c] = [member(1), member(2), member(3)];
    for (const m of [a, b, c]) hub.join(m);
    hub.fromWorker(1, 1, "t", "x");
    hub.delivered(2, deliveries(b)[0]!.id!, 2);
    hub.leave(3);
    await settled();
    expect(a.got).toEqual([{ type: "published", id: 1, delivered: 2 }]);
  });

  it("POST /publish reaches every worker, counts the publish once, rejects a bad topic", async () => {
    const metrics = createMetrics(undefined, undefined, false);
    const hub = new Hub(metrics);
    const [a, b] = [member(1), member(2)];
    hub.join(a);
    hub.join(b);
    const published = hub.publish("t", "x");
    hub.delivered(1, deliveries(a)[0]!.id!, 1);
    hub.delivered(2, deliveries(b)[0]!.id!, 5);
    expect(await published).toEqual({ delivered: 6, forwarded: null });
    expect((await metrics.brokerPublished.get()).values[0]?.value).toBe(1);
    expect(() => hub.publish("a.*", "x")).toThrow(TopicError);
  });

  it("an uncounted publish is delivered to the others without ids; with no one else, at once", async () => {
    const hub = new Hub(createMetrics(undefined, undefined, false));
    const [a, b] = [member(1), member(2)];
    hub.join(a);
    hub.join(b);
    hub.fromWorker(2, null, "t", "x");
    expect(a.got).toEqual([{ type: "deliver", id: null, topic: "t", data: "x" }]);
    expect(b.got).toEqual([]);
    hub.leave(1);
    hub.fromWorker(2, 9, "t", "y");
    await settled();
    expect(b.got).toEqual([{ type: "published", id: 9, delivered: 0 }]);
  });
});
