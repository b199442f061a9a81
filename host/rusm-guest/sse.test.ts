import { HostMemory } from "../wasi/host-memory.ts";
import { describe, expect, it } from "vitest";
import { thrown } from "../errors.test-support.ts";
import type { ByteChannel, ChannelSink } from "../stream/channel.ts";
import { GuestTrap } from "../wasi/errors.ts";
import { NO_OUTBOUND, type FieldEntry, type HttpExchange } from "../wasi/index.ts";
import { Mailbox } from "../lifecycle/mailbox.ts";
import { ProcessRegistry } from "../lifecycle/registry.ts";
import { createLogger } from "../log/index.ts";
import { createMetrics } from "../metrics/index.ts";
import type { PubSubContext } from "../rusm-pubsub/context.ts";
import { Broker } from "../services/broker/index.ts";
import type { EventStream } from "./sse.ts";
import { sse } from "./sse.ts";

const CAPACITY = 16;
const decoder = new TextDecoder();

/** A process context whose exchange records the response and attaches no sink. */
function fakeContext() {
  const responses: Array<{ status: number; headers: FieldEntry[]; channel: ByteChannel }> = [];
  const calls = { park: 0, resume: 0 };
  const exchange: HttpExchange = {
    request: {
      method: "GET",
      pathWithQuery: "/",
      scheme: "http",
      authority: undefined,
      headers: [],
    },
    get responded() {
      return responses.length > 0;
    },
    requestBody: () => {
      throw new Error("not in this test");
    },
    respond: (status, headers, channel) => {
      responses.push({ status, headers, channel });
    },
    fail: () => undefined,
    onBodyBytes: () => undefined,
  };
  const metrics = createMetrics();
  const registry = new ProcessRegistry(metrics);
  const log = createLogger("silent");
  const broker = new Broker({ registry, metrics, log, mailboxSize: 4, overflow: "drop-oldest" });
  const ctx: PubSubContext = {
    mailbox: new Mailbox(4),
    broker,
    outbound: NO_OUTBOUND,
    pid: 1,
    hostMemory: HostMemory.unlimited(),
    bodyBufferBytes: CAPACITY,
    exchange,
    park: <T>(wait: Promise<T>) => {
      calls.park++;
      return wait;
    },
    resume: () => {
      calls.resume++;
      return Promise.resolve();
    },
    own: () => () => undefined,
    stdout: () => undefined,
    stderr: () => undefined,
    exit: () => {
      throw new Error("not in this test");
    },
  };
  const api = sse(ctx) as { open(): EventStream };
  return { api, responses, calls, ctx };
}

/** Opens a stream; returns it with its channel. */
function opened() {
  const fake = fakeContext();
  const stream = fake.api.open();
  return { ...fake, stream, channel: fake.responses[0]!.channel };
}

/** A socket that takes everything at once and keeps the text. */
function recordingSink(): ChannelSink & { text: string; ended: boolean } {
  return {
    text: "",
    ended: false,
    write(chunk) {
      this.text += decoder.decode(chunk);
      return true;
    },
    flushHead: () => undefined,
    end(_trailers, last) {
      if (last !== undefined) this.text += decoder.decode(last);
      this.ended = true;
    },
    truncate: () => undefined,
    fault: () => undefined,
    onDrain: () => undefined,
    pending: () => 0,
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` is still pending after a few event-loop turns. */
async function pending(value: unknown): Promise<boolean> {
  let settled = false;
  void Promise.resolve(value).then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 3; i++) await turn();
  return !settled;
}

describe("rusm:guest/sse open", () => {
  it("responds 200 text/event-stream, no-cache, over a channel of body-buffer size", () => {
    const { responses, channel } = opened();
    expect(responses).toHaveLength(1);
    const [{ status, headers }] = responses as [(typeof responses)[0]];
    expect(status).toBe(200);
    expect(headers.map(([name, value]) => [name, decoder.decode(value)])).toEqual([
      ["content-type", "text/event-stream"],
      ["cache-control", "no-cache"],
    ]);
    expect(channel.capacity).toBe(CAPACITY);
  });

  it("traps when the process has already responded", () => {
    const { api, responses } = opened();
    const err = thrown(() => api.open());
    expect(err).toBeInstanceOf(GuestTrap);
    expect((err as Error).message).toBe("sse.open: the process has already responded");
    expect(responses).toHaveLength(1);
  });
});

describe("rusm:guest/sse event-stream", () => {
  it("writes a data event into the channel and yields once without parking", async () => {
    const { stream, channel, calls } = opened();
    await expect(stream.data("x")).resolves.toBe(true);
    expect(channel.buffered).toBe("data: x\n\n".length);
    expect(calls).toEqual({ park: 0, resume: 1 });
    const sink = recordingSink();
    channel.attach(sink);
    await turn();
    expect(sink.text).toBe("data: x\n\n");
  });

  it("formats event, send and comment", async () => {
    const { stream, channel } = opened();
    const sink = recordingSink();
    channel.attach(sink);
    expect(await stream.event("tick", "1")).toBe(true);
    expect(await stream.send({ name: "up", data: "a\nb", id: "7", retry: 10 })).toBe(true);
    expect(await stream.send({ data: "c", name: undefined, id: undefined, retry: undefined })).toBe(
      true,
    );
    expect(await stream.comment("hb")).toBe(true);
    stream.finish();
    await turn();
    expect(sink.text).toBe(
      "event: tick\ndata: 1\n\nevent: up\nid: 7\nretry: 10\ndata: a\ndata: b\n\ndata: c\n\n: hb\n",
    );
    expect(sink.ended).toBe(true);
  });

  it("parks a write bigger than the channel until the reader drains it", async () => {
    const { stream, channel, calls } = opened();
    const data = "y".repeat(30);
    const write = stream.data(data);
    expect(await pending(write)).toBe(true);
    expect(channel.buffered).toBe(CAPACITY);
    expect(calls.park).toBe(1);
    const sink = recordingSink();
    channel.attach(sink);
    await expect(write).resolves.toBe(true);
    await turn();
    expect(sink.text).toBe(`data: ${data}\n\n`);
    expect(calls.resume).toBe(0);
  });

  it("returns false from a parked write when the reader goes away", async () => {
    const { stream, channel } = opened();
    const write = stream.data("z".repeat(30));
    expect(await pending(write)).toBe(true);
    channel.close();
    await expect(write).resolves.toBe(false);
  });

  it("returns false from every write once the channel is closed", async () => {
    const { stream, channel } = opened();
    channel.close();
    expect(await stream.data("x")).toBe(false);
    expect(await stream.event("e", "x")).toBe(false);
    expect(await stream.send({ data: "x" })).toBe(false);
    expect(await stream.comment("x")).toBe(false);
  });

  it("returns false from writes after finish; finish twice is fine", async () => {
    const { stream, channel } = opened();
    stream.finish();
    stream.finish();
    expect(channel.ended).toBe(true);
    expect(await stream.data("x")).toBe(false);
    expect(await stream.comment("x")).toBe(false);
    expect(channel.buffered).toBe(0);
  });

  it("traps on a line break in an event name or id, writing nothing", async () => {
    const { stream, channel } = opened();
    const named = stream.event("a\nb", "x");
    await expect(named).rejects.toBeInstanceOf(GuestTrap);
    await expect(named).rejects.toThrow(`the event field "a\\nb" contains a line break`);
    await expect(stream.send({ data: "x", id: "1\r" })).rejects.toBeInstanceOf(GuestTrap);
    expect(channel.buffered).toBe(0);
  });
});

describe("rusm:guest/sse event-stream live tail (next, run)", () => {
  const msg = (data: string) => ({ topic: "t", data });

  it("next returns a queued message without parking", async () => {
    const { stream, ctx, calls } = opened();
    ctx.mailbox.offer(msg("a"));
    await expect(stream.next(1000)).resolves.toEqual(msg("a"));
    expect(calls).toEqual({ park: 0, resume: 1 });
  });

  it("next parks on the mailbox, writing a ':' heartbeat each time heartbeatMs passes", async () => {
    const { stream, channel, ctx, calls } = opened();
    const sink = recordingSink();
    channel.attach(sink);
    const next = stream.next(20);
    await new Promise((resolve) => setTimeout(resolve, 90));
    expect(await pending(next)).toBe(true);
    ctx.mailbox.offer(msg("b"));
    await expect(next).resolves.toEqual(msg("b"));
    await turn();
    expect(sink.text).toMatch(/^(:\n){2,}$/);
    // Every wait removed its listener on the channel (a live tail must not grow per wait).
    expect(channel.closeListeners).toBe(0);
    expect(calls.park).toBeGreaterThanOrEqual(3);
  });

  it("next returns none at once when the client leaves while it waits", async () => {
    const { stream, channel } = opened();
    const next = stream.next(60_000);
    expect(await pending(next)).toBe(true);
    channel.close();
    await expect(next).resolves.toBeUndefined();
  });

  it("next returns none when the broker closed the mailbox or the stream was finished", async () => {
    const closed = opened();
    closed.ctx.mailbox.close();
    await expect(closed.stream.next(60_000)).resolves.toBeUndefined();
    const finished = opened();
    finished.ctx.mailbox.offer(msg("c"));
    finished.stream.finish();
    await expect(finished.stream.next(60_000)).resolves.toBeUndefined();
  });

  it("run forwards each message as a data event until the stream is over", async () => {
    const { stream, channel, ctx } = opened();
    const sink = recordingSink();
    channel.attach(sink);
    ctx.mailbox.offer(msg("one"));
    ctx.mailbox.offer(msg("two\nlines"));
    const run = stream.run(60_000);
    await turn();
    ctx.mailbox.offer(msg("three"));
    await turn();
    expect(await pending(run)).toBe(true);
    ctx.mailbox.close();
    await expect(run).resolves.toBeUndefined();
    stream.finish();
    await turn();
    expect(sink.text).toBe("data: one\n\ndata: two\ndata: lines\n\ndata: three\n\n");
  });
});
