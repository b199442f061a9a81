/**
 * @module test/helpers/feeds
 * Lifecycle rows checked the same way against every endless `data: tick N` feed, whatever
 * guest or shape serves it (a WAT guest, a raw StarlingMonkey stream, an SDK SSE action):
 * back-pressure with a stalled reader, and a client that reads then leaves.
 */
import { expect } from "vitest";
import { openFeed, ticks, type Feed } from "./clients.ts";
import {
  IDLE_CPU_MS_PER_S,
  cpuOver,
  expectExits,
  untilNoProcesses,
  untilStalled,
} from "./exits.ts";
import { RawHttp, sseData } from "./raw-http.ts";
import type { Rusm } from "./rusm.ts";

/** Node's default writable high-water mark for a socket (the sink's own buffer). */
const SOCKET_HIGH_WATER = 64 * 1024;

/**
 * Back-pressure: a raw client reads the head of the endless feed at `path`, then stops reading.
 * The stream stalls with its process parked; the host holds no more than the channel
 * (`channelBytes`, the route's body-buffer-kb) plus the socket's high-water mark plus the one
 * coalesced flush that crossed it, the channel shows full, and the server's CPU idles. Then
 * the client reads again: bytes written after the stall arrive and the events stay contiguous.
 * The client leaves; the process exits `disconnected`.
 */
export async function expectBackPressure(
  rusm: Rusm,
  path: string,
  channelBytes: number,
): Promise<void> {
  const before = await rusm.exits();
  const client = await RawHttp.get(rusm.url, path);
  try {
    await client.until("the response head", (c) => c.head() !== null);
    client.pause();

    // The kernel's socket buffers fill first (MBs on loopback), then the host's.
    const stalledAt = await untilStalled(rusm);
    expect(stalledAt).toBeGreaterThan(0);
    expect(await rusm.metric("rusm_processes")).toBe(1);

    const buffered = await rusm.metric("rusm_body_buffered_bytes");
    expect(buffered).toBeLessThanOrEqual(channelBytes + SOCKET_HIGH_WATER + channelBytes);
    // (Polled: a late kernel-side drain can briefly move bytes between channel and socket.)
    await rusm.until(
      "the gauge shows the full channel",
      async () => (await rusm.metric("rusm_body_buffered_bytes")) >= channelBytes,
    );

    // Parked, not spinning: CPU time (not wall time) over a second stays near zero.
    expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
    expect(await rusm.metric("rusm_processes"), "still alive, waiting for its reader").toBe(1);

    // Resume reading: the stream continues past what had been written at the stall, and the
    // events stay contiguous (nothing lost or duplicated across the stall).
    client.resume();
    await rusm.until(
      "bytes handed to the socket grow again",
      async () => (await rusm.metric("rusm_body_bytes_total")) > stalledAt,
    );
    await client.until(
      "the client receives bytes written after the stall",
      (c) => c.body().data.length > stalledAt,
      30_000,
    );
    const events = sseData(client.body().data);
    expect(events).toEqual(ticks(events.length));
  } finally {
    client.destroy();
  }
  await expectExits(rusm, before, { disconnected: 1 });
  await untilNoProcesses(rusm);
}

/**
 * Client disconnect: an EventSource reads at least `count` events of the endless feed at
 * `url` (its process alive meanwhile), then closes. The events are `tick 0`, `tick 1`, ... in
 * order with no reconnect; the process then exits `disconnected` and none is left.
 * Returns the feed (its events), for checks of the caller's own.
 */
export async function expectReadThenLeave(rusm: Rusm, url: string, count: number): Promise<Feed> {
  const before = await rusm.exits();
  const feed = openFeed(url);
  try {
    await rusm.until(`${count} events`, () => feed.events.length >= count);
    expect(await rusm.metric("rusm_processes")).toBe(1);
  } finally {
    feed.close();
  }
  expect(feed.errors, "no reconnect before close()").toBe(0);
  expect(feed.events).toEqual(ticks(feed.events.length));
  await expectExits(rusm, before, { disconnected: 1 });
  await untilNoProcesses(rusm);
  return feed;
}
