import { describe, expect, it } from "vitest";
import { createHeartbeat, HeartbeatReader, HeartbeatWriter } from "./heartbeat.ts";

describe("heartbeat", () => {
  it("the reader measures silence on its own clock; a beat or a reset ends it", async () => {
    const slot = createHeartbeat();
    const reader = new HeartbeatReader(slot, 0);
    expect(reader.silentFor(500)).toBe(500);
    const writer = new HeartbeatWriter(slot);
    writer.start();
    await new Promise((r) => setTimeout(r, 250));
    writer.stop();
    expect(reader.silentFor(1_000)).toBe(0);
    expect(reader.silentFor(1_400)).toBe(400);
    reader.reset(2_000);
    expect(reader.silentFor(2_100)).toBe(100);
  });

  it("carries the connection and process counts", () => {
    const slot = createHeartbeat();
    new HeartbeatWriter(slot).load(3, 2);
    const reader = new HeartbeatReader(slot, 0);
    expect([reader.connections, reader.processes]).toEqual([3, 2]);
  });
});
