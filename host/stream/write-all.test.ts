import { describe, expect, it } from "vitest";
import { ByteChannel, ChannelClosed, type ChannelSink } from "./channel.ts";
import { writeAll } from "./write-all.ts";

/** A sink that takes nothing until `open()`: the channel fills up and stays full. */
function stalledSink() {
  const chunks: Uint8Array[] = [];
  let blocked = true;
  let onDrain = (): void => {};
  const s: ChannelSink = {
    write(chunk) {
      chunks.push(chunk);
      return !blocked;
    },
    flushHead() {},
    end() {},
    truncate() {},
    fault() {},
    onDrain(listener) {
      onDrain = listener;
    },
    pending: () => 0,
  };
  return {
    s,
    chunks,
    open() {
      blocked = false;
      onDrain();
    },
  };
}

describe("writeAll", () => {
  it("is synchronous when everything fits, and hands over the array itself", () => {
    const ch = new ByteChannel(8);
    const bytes = new Uint8Array([1, 2, 3]);
    const written: Uint8Array[] = [];
    const writer = {
      permit: () => ch.permit(),
      write: (b: Uint8Array) => {
        written.push(b);
        ch.write(b);
      },
    };
    expect(writeAll(writer, bytes, () => Promise.reject(new Error("no wait")))).toBeUndefined();
    expect(written).toEqual([bytes]);
    expect(written[0]).toBe(bytes);
  });

  it("writes in permit-sized pieces, waiting for room, and keeps the channel bounded", async () => {
    const ch = new ByteChannel(4);
    const out = stalledSink();
    ch.attach(out.s);
    let waits = 0;
    const done = writeAll(ch, new Uint8Array(10).fill(7), () => {
      waits++;
      expect(ch.buffered).toBeLessThanOrEqual(ch.capacity);
      if (waits === 2) out.open();
      return ch.ready();
    });
    expect(done).toBeInstanceOf(Promise);
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(waits).toBeGreaterThanOrEqual(2);
    expect(Buffer.concat(out.chunks)).toEqual(Buffer.alloc(10, 7));
  });

  it("fails with the writer's error once the reader is gone", async () => {
    const ch = new ByteChannel(4);
    ch.attach(stalledSink().s);
    const done = writeAll(ch, new Uint8Array(12), () => {
      ch.close();
      return ch.ready();
    });
    await expect(done).rejects.toBeInstanceOf(ChannelClosed);
    expect(() => writeAll(ch, new Uint8Array(1), () => ch.ready())).toThrow(ChannelClosed);
  });
});
