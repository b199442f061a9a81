import { describe, expect, it } from "vitest";
import { Mailbox } from "../../lifecycle/mailbox.ts";
import { ProcessRegistry, type RegisteredProcess } from "../../lifecycle/registry.ts";
import { createLogger } from "../../log/index.ts";
import { createMetrics, type Metrics } from "../../metrics/index.ts";
import { Broker, TopicError, type BrokerBackend, type Overflow } from "./broker.ts";

interface Sub extends RegisteredProcess {
  mailbox: Mailbox;
}

function setup(overflow: Overflow = "drop-oldest", mailboxSize = 4) {
  const metrics = createMetrics();
  const registry = new ProcessRegistry(metrics);
  const log = createLogger("silent");
  const broker = new Broker({ registry, metrics, log, mailboxSize, overflow });
  const spawn = (): Sub => {
    const sub = {
      pid: registry.nextPid(),
      componentName: "app",
      stop: () => undefined,
      drain: () => false,
      mailbox: new Mailbox(mailboxSize),
    };
    registry.started(sub);
    return sub;
  };
  return { broker, registry, metrics, spawn };
}

async function value(metrics: Metrics, name: string, labels: Record<string, string>) {
  const metric = metrics.registry.getSingleMetric(name);
  const data = await metric?.get();
  const match = data?.values.find((v) =>
    Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
  );
  return match?.value ?? 0;
}

function drain(box: Mailbox): string[] {
  const out: string[] = [];
  for (let r = box.poll(); r?.kind === "message"; r = box.poll()) out.push(r.message.data);
  return out;
}

describe("Broker", () => {
  it("publish reaches each matching subscriber once, and returns how many", async () => {
    const { broker, metrics, spawn } = setup();
    const [exact, pattern, both, other] = [spawn(), spawn(), spawn(), spawn()];
    broker.subscribe(exact, "news.sport");
    broker.subscribe(pattern, "news.*");
    broker.subscribe(both, "news.sport");
    broker.subscribe(both, "news.*");
    broker.subscribe(other, "weather");
    expect(broker.publish("news.sport", "goal")).toEqual({ delivered: 3, forwarded: null });
    expect(broker.publish("news.tv", "ad")).toEqual({ delivered: 2, forwarded: null });
    expect(drain(exact.mailbox)).toEqual(["goal"]);
    expect(drain(pattern.mailbox)).toEqual(["goal", "ad"]);
    expect(drain(both.mailbox)).toEqual(["goal", "ad"]);
    expect(drain(other.mailbox)).toEqual([]);
    expect(await value(metrics, "rusm_broker_published_total", { topic: "news.sport" })).toBe(1);
    expect(await value(metrics, "rusm_broker_delivered_total", { topic: "news.sport" })).toBe(3);
    expect(await value(metrics, "rusm_broker_subscriptions", { topic: "news.*" })).toBe(2);
  });

  it("a subscriber's exit prunes all its subscriptions, whatever the reason", async () => {
    const { broker, registry, metrics, spawn } = setup();
    const a = spawn();
    const b = spawn();
    broker.subscribe(a, "x");
    broker.subscribe(a, "y.*");
    broker.subscribe(b, "x");
    registry.exited(a, { reason: "oom", detail: undefined });
    expect(broker.subscriptions("x")).toBe(1);
    expect(broker.subscriptions("y.*")).toBe(0);
    expect(broker.publish("x", "m").delivered).toBe(1);
    // An emptied key leaves the gauge (topics do not pile up).
    expect((await metrics.brokerSubscriptions.get()).values.map((v) => v.labels.topic)).toEqual([
      "x",
    ]);
  });

  it("a process that ended before it subscribed is pruned at once (noproc)", async () => {
    const { broker, registry, spawn } = setup();
    const gone = spawn();
    registry.exited(gone, { reason: "normal", detail: undefined });
    broker.subscribe(gone, "x");
    await Promise.resolve();
    expect(broker.subscriptions("x")).toBe(0);
  });

  it("unsubscribe ends one subscription; the last one ends the monitor", () => {
    const { broker, registry, spawn } = setup();
    const a = spawn();
    broker.subscribe(a, "x");
    broker.subscribe(a, "x"); // the same key twice is one subscription
    broker.subscribe(a, "y");
    expect(broker.subscriptions()).toBe(2);
    broker.unsubscribe(a.pid, "x");
    broker.unsubscribe(a.pid, "nope");
    expect(broker.publish("x", "m").delivered).toBe(0);
    broker.unsubscribe(a.pid, "y");
    expect(broker.subscriptions()).toBe(0);
    registry.exited(a, { reason: "normal", detail: undefined });
    expect(broker.subscriptions()).toBe(0);
  });

  it("drop-oldest: a full mailbox keeps the newest messages, each drop counted", async () => {
    const { broker, metrics, spawn } = setup("drop-oldest", 2);
    const slow = spawn();
    broker.subscribe(slow, "t");
    for (const data of ["1", "2", "3", "4"]) expect(broker.publish("t", data).delivered).toBe(1);
    expect(drain(slow.mailbox)).toEqual(["3", "4"]);
    expect(
      await value(metrics, "rusm_broker_dropped_total", { topic: "t", reason: "drop-oldest" }),
    ).toBe(2);
  });

  it("drop-subscriber: a full mailbox drops the subscriber, closes its mailbox, counts each message", async () => {
    const { broker, metrics, spawn } = setup("drop-subscriber", 2);
    const slow = spawn();
    const fast = spawn();
    broker.subscribe(slow, "t");
    broker.subscribe(fast, "t");
    expect(broker.publish("t", "1").delivered).toBe(2);
    drain(fast.mailbox);
    expect(broker.publish("t", "2").delivered).toBe(2);
    drain(fast.mailbox);
    expect(broker.publish("t", "3").delivered).toBe(1);
    expect(slow.mailbox.closed).toBe(true);
    expect(slow.mailbox.poll()).toEqual({ kind: "closed" });
    expect(broker.subscriptions("t")).toBe(1);
    // The one that did not fit and the two it had queued.
    expect(
      await value(metrics, "rusm_broker_dropped_total", { topic: "t", reason: "drop-subscriber" }),
    ).toBe(3);
    // A dropped subscriber stays dropped.
    broker.subscribe(slow, "t");
    expect(broker.subscriptions("t")).toBe(1);
  });

  it("rejects a bad topic with a TopicError saying why", () => {
    const { broker, spawn } = setup();
    expect(() => broker.subscribe(spawn(), "a..b")).toThrow(TopicError);
    expect(() => broker.publish("news.*", "x")).toThrow(
      `cannot publish to "news.*": "*" is for subscribing to a pattern`,
    );
  });

  it("a backend watches each key once, forwards publishes, and delivers what it receives", async () => {
    const { broker, metrics, spawn } = setup();
    const calls: string[] = [];
    let up = true;
    const backend: BrokerBackend = {
      forward: (topic, data) => (calls.push(`forward ${topic} ${data}`), up),
      watch: (key) => void calls.push(`watch ${key}`),
      unwatch: (key) => void calls.push(`unwatch ${key}`),
      close: () => Promise.resolve(),
    };
    const early = spawn();
    broker.subscribe(early, "a");
    broker.useBackend(backend);
    const late = spawn();
    broker.subscribe(late, "a");
    broker.subscribe(late, "b.*");
    expect(broker.publish("a", "1")).toEqual({ delivered: 2, forwarded: true });
    up = false;
    expect(broker.publish("a", "2")).toEqual({ delivered: 2, forwarded: false });
    expect(broker.deliver("b.c", "remote")).toBe(1);
    broker.unsubscribe(late.pid, "b.*");
    expect(calls).toEqual(["watch a", "watch b.*", "forward a 1", "forward a 2", "unwatch b.*"]);
    expect(
      await value(metrics, "rusm_broker_dropped_total", {
        topic: "a",
        reason: "backend-unavailable",
      }),
    ).toBe(1);
    expect(drain(late.mailbox)).toEqual(["1", "2", "remote"]);
  });

  it("publishCounted: the node-wide count from a counting backend, else the local one at once", async () => {
    const { broker, metrics, spawn } = setup();
    const sub = spawn();
    broker.subscribe(sub, "t");
    expect(broker.publishCounted("t", "alone")).toBe(1);
    let others: Promise<number> | null = Promise.resolve(4);
    const forwarded: string[] = [];
    broker.useBackend({
      forward: (_topic, data) => (forwarded.push(data), true),
      forwardCounted: (_topic, data) => (forwarded.push(`counted ${data}`), others),
      watch: () => undefined,
      unwatch: () => undefined,
      close: () => Promise.resolve(),
    });
    const counted = broker.publishCounted("t", "across");
    expect(counted).toBeInstanceOf(Promise);
    expect(await counted).toBe(5);
    others = null; // no other worker to ask: the plain publish, synchronous
    expect(broker.publishCounted("t", "one worker")).toBe(1);
    expect(forwarded).toEqual(["counted across", "counted one worker", "one worker"]);
    expect(drain(sub.mailbox)).toEqual(["alone", "across", "one worker"]);
    expect(await value(metrics, "rusm_broker_published_total", { topic: "t" })).toBe(3);
    expect(() => broker.publishCounted("t.*", "x")).toThrow(TopicError);
  });
});
