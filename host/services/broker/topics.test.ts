import { describe, expect, it } from "vitest";
import { Mailbox } from "../../lifecycle/mailbox.ts";
import { ProcessRegistry } from "../../lifecycle/registry.ts";
import { createLogger } from "../../log/index.ts";
import { createMetrics } from "../../metrics/index.ts";
import { Broker } from "./broker.ts";

describe("Broker.topics (the status page's list)", () => {
  it("lists topics and patterns by subscribers, most first, at most `limit`, and forgets pruned ones", () => {
    const metrics = createMetrics(undefined, undefined, false);
    const registry = new ProcessRegistry(metrics);
    const broker = new Broker({
      registry,
      metrics,
      log: createLogger("silent"),
      mailboxSize: 4,
      overflow: "drop-oldest",
    });
    const spawn = () => {
      const sub = {
        pid: registry.nextPid(),
        componentName: "tail",
        stop: () => undefined,
        drain: () => false,
        mailbox: new Mailbox(4),
      };
      registry.started(sub);
      return sub;
    };
    const [a, b, c] = [spawn(), spawn(), spawn()];
    broker.subscribe(a, "news");
    broker.subscribe(b, "news");
    broker.subscribe(c, "news.*");
    broker.subscribe(c, "weather");
    expect(broker.topics(10)).toEqual([
      { topic: "news", subscribers: 2 },
      { topic: "news.*", subscribers: 1 },
      { topic: "weather", subscribers: 1 },
    ]);
    expect(broker.topics(1)).toEqual([{ topic: "news", subscribers: 2 }]);
    registry.exited(c, { reason: "normal", detail: "returned" });
    expect(broker.topics(10)).toEqual([{ topic: "news", subscribers: 2 }]);
  });
});
