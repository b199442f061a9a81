import { NO_OUTBOUND } from "../wasi/index.ts";
import { describe, expect, it } from "vitest";
import { thrown } from "../errors.test-support.ts";
import { Mailbox } from "../lifecycle/mailbox.ts";
import { ProcessRegistry } from "../lifecycle/registry.ts";
import { createLogger } from "../log/index.ts";
import { createMetrics } from "../metrics/index.ts";
import { Broker } from "../services/broker/index.ts";
import { GuestTrap } from "../wasi/errors.ts";
import { HostMemory } from "../wasi/host-memory.ts";
import type { HttpExchange } from "../wasi/index.ts";
import type {
  WebSocketUpgrade,
  WsConnection,
  WsIncoming,
  WsOutgoing,
} from "./websocket-connection.ts";
import {
  sendableCloseCode,
  websocket,
  type WebSocketContext,
  type WebSocketResource,
} from "./websocket.ts";

/** A connection whose both sides the test drives: arrivals, the end, and writability. */
class FakeConnection implements WsConnection {
  readonly protocol: string | null;
  readonly sent: Array<string | Uint8Array> = [];
  readonly queue: WsIncoming[] = [];
  pings = 0;
  room = true;
  closedWith: [number, string] | null = null;
  #end: WsIncoming | null = null;
  #activity = new Set<() => void>();
  #writable = new Set<() => void>();

  constructor(protocol: string | null) {
    this.protocol = protocol;
  }
  get open(): boolean {
    return this.#end === null && this.closedWith === null;
  }
  take(): WsIncoming | null {
    return (
      this.queue.shift() ??
      this.#end ??
      (this.closedWith ? { tag: "closed", val: { code: 1006, reason: "" } } : null)
    );
  }
  onActivity(listener: () => void): () => void {
    if (this.queue.length > 0 || !this.open) {
      listener();
      return () => undefined;
    }
    this.#activity.add(listener);
    return () => this.#activity.delete(listener);
  }
  writable(): boolean {
    return this.room;
  }
  onWritable(listener: () => void): () => void {
    this.#writable.add(listener);
    return () => this.#writable.delete(listener);
  }
  send(data: WsOutgoing): boolean {
    this.sent.push(
      typeof data === "string" || data instanceof Uint8Array
        ? data
        : Buffer.from(data.text).toString(),
    );
    return true;
  }
  ping(): void {
    this.pings++;
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
  }
  /** The client sends a message. */
  arrive(message: WsIncoming): void {
    this.queue.push(message);
    this.#fire(this.#activity);
  }
  /** The client leaves. */
  leave(code = 1006): void {
    this.#end = { tag: "closed", val: { code, reason: "" } };
    this.#fire(this.#activity);
    this.#fire(this.#writable);
  }
  /** The socket drained. */
  drain(): void {
    this.room = true;
    this.#fire(this.#writable);
  }
  get listeners(): number {
    return this.#activity.size + this.#writable.size;
  }
  #fire(set: Set<() => void>): void {
    const all = [...set];
    set.clear();
    for (const l of all) l();
  }
}

function fakeContext(offered: string[] = []) {
  const conn: { current: FakeConnection | null } = { current: null };
  const calls = { park: 0 };
  const upgrade: WebSocketUpgrade = {
    offered,
    get accepted() {
      return conn.current !== null;
    },
    accept(protocol) {
      conn.current = new FakeConnection(protocol);
      return conn.current;
    },
  };
  const metrics = createMetrics();
  const registry = new ProcessRegistry(metrics);
  const broker = new Broker({
    registry,
    metrics,
    log: createLogger("silent"),
    mailboxSize: 4,
    overflow: "drop-oldest",
  });
  const exchange = { responded: false } as unknown as HttpExchange;
  const ctx: WebSocketContext = {
    upgrade,
    mailbox: new Mailbox(8),
    broker,
    pid: 1,
    hostMemory: HostMemory.unlimited(),
    bodyBufferBytes: 16,
    outbound: NO_OUTBOUND,
    exchange,
    park: <T>(wait: Promise<T>) => {
      calls.park++;
      return wait;
    },
    resume: () => undefined,
    own: () => () => undefined,
    stdout: () => undefined,
    stderr: () => undefined,
    exit: () => {
      throw new Error("not in this test");
    },
  };
  const api = websocket(ctx) as {
    offeredProtocols(): string[];
    accept(protocol: string | undefined): WebSocketResource;
  };
  return { api, ctx, calls, conn: () => conn.current! };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
async function pending(value: unknown): Promise<boolean> {
  let settled = false;
  void Promise.resolve(value).then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 3; i++) await turn();
  return !settled;
}

describe("rusm:guest/websocket accept", () => {
  it("shows the offered subprotocols and accepts one of them", () => {
    const { api, conn } = fakeContext(["a", "b"]);
    expect(api.offeredProtocols()).toEqual(["a", "b"]);
    expect(api.accept("b").protocol()).toBe("b");
    expect(conn().protocol).toBe("b");
  });

  it("traps on a protocol the client did not offer, and on a second accept", () => {
    const { api } = fakeContext(["a"]);
    const err = thrown(() => api.accept("z"));
    expect(err).toBeInstanceOf(GuestTrap);
    expect((err as Error).message).toContain(`did not offer the subprotocol "z"`);
    api.accept(undefined);
    expect(thrown(() => api.accept(undefined))).toBeInstanceOf(GuestTrap);
  });
});

describe("rusm:guest/websocket websocket", () => {
  it("recv gives a queued message at once, without parking", async () => {
    const { api, conn, calls } = fakeContext();
    const ws = api.accept(undefined);
    conn().arrive({ tag: "text", val: "hi" });
    await expect(Promise.resolve(ws.recv())).resolves.toEqual({ tag: "text", val: "hi" });
    expect(calls.park).toBe(0);
  });

  it("recv parks until a message arrives, and wakes with closed when the client leaves", async () => {
    const { api, conn, calls } = fakeContext();
    const ws = api.accept(undefined);
    const first = ws.recv();
    expect(await pending(first)).toBe(true);
    expect(calls.park).toBe(1);
    conn().arrive({ tag: "binary", val: new Uint8Array([1]) });
    await expect(first).resolves.toEqual({ tag: "binary", val: new Uint8Array([1]) });
    const second = ws.recv();
    expect(await pending(second)).toBe(true);
    conn().leave(1001);
    await expect(second).resolves.toEqual({ tag: "closed", val: { code: 1001, reason: "" } });
    expect(conn().listeners).toBe(0);
  });

  it("a send parks while the connection is full and goes out once it drains; false once gone", async () => {
    const { api, conn } = fakeContext();
    const ws = api.accept(undefined);
    await expect(Promise.resolve(ws.sendText("a"))).resolves.toBe(true);
    conn().room = false;
    const parked = ws.sendBinary(new Uint8Array([7]));
    expect(await pending(parked)).toBe(true);
    conn().drain();
    await expect(parked).resolves.toBe(true);
    expect(conn().sent).toEqual(["a", new Uint8Array([7])]);
    conn().room = false;
    const lost = ws.sendText("b");
    expect(await pending(lost)).toBe(true);
    conn().leave();
    await expect(lost).resolves.toBe(false);
    await expect(Promise.resolve(ws.sendText("c"))).resolves.toBe(false);
  });

  it("close checks the code and the reason's length", () => {
    const { api, conn } = fakeContext();
    const ws = api.accept(undefined);
    expect(thrown(() => ws.close(1006, ""))).toBeInstanceOf(GuestTrap);
    expect(thrown(() => ws.close(1000, "x".repeat(124)))).toBeInstanceOf(GuestTrap);
    ws.close(4000, "bye");
    expect(conn().closedWith).toEqual([4000, "bye"]);
    expect([999, 1004, 1005, 1006, 1015, 2999, 5000].some(sendableCloseCode)).toBe(false);
    expect([1000, 1001, 1003, 1007, 1014, 3000, 4999].every(sendableCloseCode)).toBe(true);
  });

  it("run forwards mailbox messages, pings while idle, returns the client's message", async () => {
    const { api, conn, ctx } = fakeContext();
    const ws = api.accept(undefined);
    ctx.mailbox.offer({ topic: "t", data: "one" });
    const run = ws.run(20);
    await new Promise((r) => setTimeout(r, 90));
    expect(await pending(run)).toBe(true);
    expect(conn().sent).toEqual(["one"]);
    expect(conn().pings).toBeGreaterThanOrEqual(2);
    conn().arrive({ tag: "text", val: "from client" });
    await expect(run).resolves.toEqual({ tag: "text", val: "from client" });
    const again = ws.run(60_000);
    expect(await pending(again)).toBe(true);
    conn().leave(1000);
    await expect(again).resolves.toEqual({ tag: "closed", val: { code: 1000, reason: "" } });
  });
});
