import { describe, expect, it } from "vitest";
import { ByteChannel, ChannelClosed, PermitExceeded, type ChannelSink } from "./channel.ts";

/** A sink that accepts `budget` bytes, then reports back-pressure until `drain()`. */
function sink(budget = Infinity) {
  const chunks: Uint8Array[] = [];
  let onDrain = (): void => {};
  let left = budget;
  const state = {
    ended: false,
    truncated: false,
    head: false,
    trailers: undefined as unknown,
    faults: [] as unknown[],
  };
  const s: ChannelSink = {
    write(chunk) {
      chunks.push(chunk);
      left -= chunk.length;
      return left > 0;
    },
    flushHead() {
      state.head = true;
    },
    end(trailers, last) {
      if (last !== undefined) chunks.push(last);
      state.ended = true;
      state.trailers = trailers;
    },
    truncate() {
      state.truncated = true;
    },
    fault(err) {
      state.faults.push(err);
    },
    onDrain(listener) {
      onDrain = listener;
    },
    pending: () => 0,
  };
  return {
    s,
    chunks,
    state,
    text: () => Buffer.concat(chunks).toString(),
    drain(more = Infinity) {
      left = more;
      onDrain();
    },
  };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** One event-loop turn: the channel moves its queue to the sink once per turn. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("ByteChannel", () => {
  // Regression: with writes passed straight to the socket, a stalled client left ~4,600 tiny
  // SSE events queued as separate socket writes (~1.3 MB of JS heap per parked stream).
  it("moves the writes of one turn to the sink as one chunk", async () => {
    const ch = new ByteChannel(8);
    const out = sink();
    ch.attach(out.s);
    ch.write(bytes("abc"));
    ch.write(bytes("def"));
    expect(ch.permit()).toBe(2);
    await turn();
    expect(out.chunks.length).toBe(1);
    expect(out.text()).toBe("abcdef");
    expect(ch.permit()).toBe(8);
  });

  it("queues up to capacity while the sink is back-pressured, then permits 0", async () => {
    const ch = new ByteChannel(8);
    const out = sink(1);
    ch.attach(out.s);
    ch.write(bytes("x"));
    await turn(); // the sink took "x" and is now full
    ch.write(bytes("12345"));
    await turn();
    expect(ch.permit()).toBe(3);
    ch.write(bytes("678"));
    expect(ch.permit()).toBe(0);
    expect(ch.isReady()).toBe(false);
    const ready = ch.ready();
    out.drain();
    await ready;
    expect(out.text()).toBe("x12345678");
    expect(ch.permit()).toBe(8);
  });

  it("holds writes made before the head was sent, and delivers them on attach", async () => {
    const ch = new ByteChannel(8);
    ch.write(bytes("early"));
    await turn();
    const out = sink();
    ch.attach(out.s);
    await turn();
    expect(out.text()).toBe("early");
    expect(out.state.head, "the head went out with the bytes, not on its own").toBe(false);
  });

  it("sends the head at the end of the turn it was set in, alone when there is no data yet", async () => {
    const ch = new ByteChannel(8);
    const out = sink();
    ch.attach(out.s);
    expect(out.state.head).toBe(false);
    await turn();
    expect(out.state.head).toBe(true);
  });

  it("sends the head before truncating a body that never got any bytes", async () => {
    const ch = new ByteChannel(8);
    const out = sink();
    ch.attach(out.s);
    ch.truncate();
    await turn();
    expect(out.state.head).toBe(true);
    expect(out.state.truncated).toBe(true);
  });

  it("ends a small response in one sink call: its bytes and the end together", async () => {
    const ch = new ByteChannel(8);
    const out = sink();
    ch.attach(out.s);
    ch.write(bytes("hello"));
    ch.finish();
    await turn();
    expect(out.text()).toBe("hello");
    expect(out.state.ended).toBe(true);
  });

  it("refuses a write past the permit (the caller traps)", () => {
    const ch = new ByteChannel(4);
    expect(() => ch.write(bytes("12345"))).toThrow(PermitExceeded);
  });

  it("ends the body only after the queue drained, with trailers", async () => {
    const ch = new ByteChannel(8);
    const out = sink(1);
    ch.attach(out.s);
    ch.write(bytes("a"));
    await turn();
    ch.write(bytes("b"));
    ch.finish([["x-sum", "1"]]);
    expect(out.state.ended).toBe(false);
    expect(() => ch.permit()).toThrow(ChannelClosed);
    out.drain();
    expect(out.text()).toBe("ab");
    expect(out.state.ended).toBe(true);
    expect(out.state.trailers).toEqual([["x-sum", "1"]]);
  });

  it("truncates after delivering what was queued, and never after a finish", async () => {
    const ch = new ByteChannel(8);
    const out = sink(1);
    ch.attach(out.s);
    ch.write(bytes("a"));
    await turn();
    ch.write(bytes("b"));
    ch.truncate();
    expect(out.state.truncated).toBe(false);
    out.drain();
    expect(out.text()).toBe("ab");
    expect(out.state.truncated).toBe(true);

    const finished = new ByteChannel(8);
    const out2 = sink();
    finished.attach(out2.s);
    finished.finish();
    finished.truncate();
    await turn();
    expect(out2.state.ended).toBe(true);
    expect(out2.state.truncated).toBe(false);
  });

  it("wakes a parked writer at once when the reader goes away, and then reports closed", async () => {
    const ch = new ByteChannel(2);
    const out = sink(1);
    ch.attach(out.s);
    ch.write(bytes("a"));
    await turn();
    ch.write(bytes("bc"));
    const ready = ch.ready();
    ch.close();
    await ready;
    expect(ch.isReady()).toBe(true);
    expect(ch.closed).toBe(true);
    expect(() => ch.permit()).toThrow(ChannelClosed);
    expect(() => ch.write(bytes("d"))).toThrow(ChannelClosed);
    expect(ch.buffered).toBe(0);
  });

  it("shares one wait between repeated ready() calls (no pile-up of waiters)", () => {
    const ch = new ByteChannel(1);
    ch.write(bytes("a"));
    expect(ch.ready()).toBe(ch.ready());
  });

  it("counts bytes handed to the sink", async () => {
    let counted = 0;
    const ch = new ByteChannel(8, (n) => (counted += n));
    const out = sink(2);
    ch.attach(out.s);
    ch.write(bytes("ab"));
    await turn();
    ch.write(bytes("cd"));
    await turn();
    expect(counted).toBe(2);
    out.drain();
    expect(counted).toBe(4);
  });

  // Issue 15, point 4: a trailer value with byte 0x01 made Node's addTrailers throw
  // ERR_INVALID_CHAR inside this pump, which runs from setImmediate: an uncaught exception that
  // ended the worker thread and every connection on it.
  describe("a sink that throws ends this channel only", () => {
    const boom = (): never => {
      throw new TypeError("Invalid character in trailer content");
    };

    it("from end (trailers): the sink is told once, the channel is closed, nothing escapes", async () => {
      const ch = new ByteChannel(8);
      const out = sink();
      out.s.end = boom;
      ch.attach(out.s);
      ch.write(bytes("ab"));
      ch.finish([["x-t", "a\u0001b"]]);
      await turn();
      expect(out.state.faults).toHaveLength(1);
      expect(String(out.state.faults[0])).toContain("Invalid character");
      expect(ch.closed).toBe(true);
      expect(ch.buffered).toBe(0);
    });

    it("from write: parked writers wake, later writes are closed, the fault is told once", async () => {
      const ch = new ByteChannel(4);
      const out = sink();
      out.s.write = boom;
      ch.attach(out.s);
      ch.write(bytes("abcd"));
      const ready = ch.ready();
      let closedListener = false;
      ch.onClose(() => (closedListener = true));
      await turn();
      await ready;
      expect(closedListener).toBe(true);
      expect(() => ch.write(bytes("e"))).toThrow(ChannelClosed);
      expect(() => ch.finish()).toThrow(ChannelClosed);
      ch.truncate();
      await turn();
      expect(out.state.faults).toHaveLength(1);
      expect(out.state.truncated).toBe(false);
    });

    it("from the drain callback, and from a fault that throws too", async () => {
      const ch = new ByteChannel(8);
      const out = sink(1);
      ch.attach(out.s);
      ch.write(bytes("ab"));
      await turn(); // the sink is back-pressured now
      ch.write(bytes("cd"));
      out.s.write = boom;
      out.s.fault = boom;
      expect(() => out.drain()).not.toThrow();
      expect(ch.closed).toBe(true);
    });
  });
});
