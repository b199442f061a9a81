import { describe, expect, it } from "vitest";
import { createHeartbeat, HeartbeatReader, HeartbeatWriter } from "./heartbeat.ts";

describe("heartbeat", () => {
  it("the beat counts up while the writer beats, and stays once it stops", async () => {
    const slot = createHeartbeat();
    const reader = new HeartbeatReader(slot);
    const writer = new HeartbeatWriter(slot, 1234);
    expect(reader.beat).toBe(0);
    writer.start();
    await new Promise((r) => setTimeout(r, 250));
    writer.stop();
    const beat = reader.beat;
    expect(beat).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(reader.beat).toBe(beat);
  });

  it("carries the thread id and the connection and process counts", () => {
    const slot = createHeartbeat();
    new HeartbeatWriter(slot, 4321).load(3, 2);
    const reader = new HeartbeatReader(slot);
    expect([reader.tid, reader.connections, reader.processes]).toEqual([4321, 3, 2]);
  });
});
