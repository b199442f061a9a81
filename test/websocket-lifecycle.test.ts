/**
 * The WebSocket lifecycle table (issue 19), each row on a real socket against a real
 * `rusm serve`, for the TypeScript guest (ts-ws) and the Rust guest (rs-ws), which have the same
 * routes:
 *
 * - normal: the guest returns → close 1000, exit `normal`;
 * - back-pressure: a client that stops reading parks the guest's send (bounded host memory,
 *   CPU idle), which resumes when it reads;
 * - client close / disconnect / socket error: a parked recv wakes "closed", a send then gives
 *   false, exit `disconnected`, promptly;
 * - trap → 1011 `trap`; out of memory → 1011 `oom`; CPU budget → 1011 `cpu`;
 * - `max-message-kb` → 1009; a client not answering pings within `ping-timeout-ms` → gone;
 * - shutdown → 1001 to every client;
 * - bad input (an unmasked frame, a bad opcode, a bad handshake) → the RFC 6455 answer.
 *
 * Plus the shape: echo (text and binary, `for` and `for await`), subprotocol choice, 426 for a
 * plain GET, chat rooms over the broker, and the message counter.
 */
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite, startRusm, type Rusm } from "./helpers/rusm.ts";
import {
  cpuOver,
  expectExits,
  IDLE_CPU_MS_PER_S,
  sleep,
  untilNoProcesses,
} from "./helpers/exits.ts";
import { frame, handshake, openWs, RawSocket } from "./helpers/websocket.ts";

const BODY_BUFFER_KB = 16;

/** The guests with the lifecycle routes: TypeScript, and Rust. */
const GUESTS = [
  { lang: "TypeScript", file: guest("ts-ws"), mem: 128 },
  { lang: "Rust", file: guest("rs-ws"), mem: 16 },
] as const;

const ROUTES = `
[serve.routes]
"GET /ws/echo" = "ws#echo"
"GET /ws/echo-async" = "ws#echoAsync"
"GET /ws/count" = "ws#count"
"GET /ws/flood" = "ws#flood"
"GET /ws/wait" = "ws#wait"
"GET /ws/faults" = "ws#faults"
"GET /ws/proto" = "ws#proto"
"GET /ws/bye" = "ws#bye"
"GET /ws/chat/:room" = "ws#chat"
`;

const toml = (file: string, mem: number, serve = "") =>
  routes(
    `
[components]
w = { path = "${file}", max-memory-mb = ${mem}, body-buffer-kb = ${BODY_BUFFER_KB}, max-cpu-ms = 10000 }
${ROUTES}`,
    `max-message-kb = 4\n${serve}`,
  );

/**
 * A member of chat room `report`: the guests publish what they saw there (`report` in ts-ws and
 * rs-ws), so a test hears it from either language.
 */
async function reporter(rusm: Rusm) {
  const client = await openWs(`${rusm.url}/ws/chat/report`);
  await client.until(1); // "joined chat.report": subscribed
  return {
    async heard(text: string): Promise<void> {
      await rusm.until(`the guest reports ${JSON.stringify(text)}`, () =>
        client.messages.some((m) => typeof m === "string" && m.startsWith(text)),
      );
    },
    async leave(): Promise<void> {
      client.ws.close();
      await client.closed;
      await untilNoProcesses(rusm);
    },
  };
}

describe.each(GUESTS)("WebSocket actions in $lang", ({ file, mem }) => {
  const rusm = rusmForSuite(toml(file, mem));

  describe("shape", () => {
    it("echoes text and binary messages, for and for-await, counting messages in and out", async () => {
      const inBefore = await rusm.metric("rusm_websocket_messages_total", { direction: "in" });
      const outBefore = await rusm.metric("rusm_websocket_messages_total", { direction: "out" });
      for (const path of ["/ws/echo", "/ws/echo-async"]) {
        const client = await openWs(`${rusm.url}${path}`);
        client.ws.send("hello");
        client.ws.send(Buffer.from([0, 1, 2, 255]));
        await client.until(2);
        expect(client.messages).toEqual(["hello", Buffer.from([0, 1, 2, 255])]);
        client.ws.close(1000);
        expect((await client.closed).code).toBe(1000);
      }
      await untilNoProcesses(rusm);
      expect(await rusm.metric("rusm_websocket_messages_total", { direction: "in" })).toBe(
        inBefore + 4,
      );
      expect(await rusm.metric("rusm_websocket_messages_total", { direction: "out" })).toBe(
        outBefore + 4,
      );
    });

    it("lets the guest see the offered subprotocols and choose one", async () => {
      const client = await openWs(`${rusm.url}/ws/proto`, ["chat.v1", "chat.v2"]);
      expect(client.ws.protocol).toBe("chat.v2");
      await client.until(1);
      expect(client.messages[0]).toBe("protocol chat.v2 of chat.v1,chat.v2");
      client.ws.close();
      await client.closed;
      await untilNoProcesses(rusm);
    });

    it("answers a plain GET to a WebSocket route 426 with Upgrade: websocket, starting no process", async () => {
      const before = await rusm.exits();
      const res = await fetch(`${rusm.url}/ws/echo`);
      expect(res.status).toBe(426);
      expect(res.headers.get("upgrade")).toBe("websocket");
      await res.text();
      expect(await rusm.exits()).toEqual(before);
    });

    it("chat rooms over the broker: every member gets every message of its room, rooms isolated", async () => {
      const a1 = await openWs(`${rusm.url}/ws/chat/a`);
      const a2 = await openWs(`${rusm.url}/ws/chat/a`);
      const b1 = await openWs(`${rusm.url}/ws/chat/b`);
      for (const c of [a1, a2, b1]) await c.until(1);
      a1.ws.send("hi from a1");
      b1.ws.send("hi from b1");
      await a1.until(2);
      await a2.until(2);
      await b1.until(2);
      await sleep(200);
      expect(a1.messages).toEqual(["joined chat.a", "hi from a1"]);
      expect(a2.messages).toEqual(["joined chat.a", "hi from a1"]);
      expect(b1.messages).toEqual(["joined chat.b", "hi from b1"]);
      for (const c of [a1, a2, b1]) c.ws.close();
      await untilNoProcesses(rusm);
    });
  });

  describe("lifecycle", () => {
    it("normal: the guest returns → close 1000, exit normal", async () => {
      const before = await rusm.exits();
      const client = await openWs(`${rusm.url}/ws/count?n=3`);
      const { code } = await client.closed;
      expect(code).toBe(1000);
      expect(client.messages).toEqual(["msg 0", "msg 1", "msg 2"]);
      await expectExits(rusm, before, { normal: 1 });
    });

    it("a guest's own close code reaches the client, exit normal", async () => {
      const before = await rusm.exits();
      const client = await openWs(`${rusm.url}/ws/bye?code=4001`);
      expect(await client.closed).toEqual({ code: 4001, reason: "bye" });
      await expectExits(rusm, before, { normal: 1 });
    });

    it("back-pressure: a client that stops reading parks send (bounded, CPU idle), resumes when it reads", async () => {
      const MESSAGE = 16_000;
      const report = await reporter(rusm);
      const before = await rusm.exits();
      const client = await openWs(`${rusm.url}/ws/flood?size=${MESSAGE}&binary=1`);
      await client.until(1);
      client.ws.pause();
      // Stalled: no message goes out for a whole second, and the process is parked.
      await rusm.until(
        "the flood stalls: messages out stable across 1 s, the process parked",
        async () => {
          const first = await rusm.metric("rusm_websocket_messages_total", { direction: "out" });
          await sleep(1000);
          const then = await rusm.metric("rusm_websocket_messages_total", { direction: "out" });
          // Parked: the flood and the reporter.
          return first === then && (await rusm.metric("rusm_processes_parked")) === 2;
        },
        60_000,
      );
      const stalledAt = await rusm.metric("rusm_websocket_messages_total", { direction: "out" });
      // What the host holds: the send bound, plus the one message that crossed it (and its
      // frame header).
      expect(await rusm.metric("rusm_body_buffered_bytes")).toBeLessThanOrEqual(
        BODY_BUFFER_KB * 1024 + MESSAGE + 16,
      );
      expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
      client.ws.resume();
      await rusm.until(
        "messages out grow again",
        async () =>
          (await rusm.metric("rusm_websocket_messages_total", { direction: "out" })) >
          stalledAt + 10,
      );
      client.ws.terminate();
      await expectExits(rusm, before, { disconnected: 1 });
      await report.heard("flood: send returned false");
      await report.leave();
    });

    it.each([
      [
        "a client close",
        (c: Awaited<ReturnType<typeof openWs>>) => c.ws.close(1000),
        "closed 1000",
      ],
      ["a disconnect", (c: Awaited<ReturnType<typeof openWs>>) => c.ws.terminate(), "closed 1006"],
      [
        "a socket error (reset)",
        (c: Awaited<ReturnType<typeof openWs>>) =>
          (c.ws as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy(),
        "closed 1006",
      ],
    ])(
      "%s wakes a parked recv with closed, send gives false, exit disconnected",
      async (_what, leave, woke) => {
        const report = await reporter(rusm);
        const before = await rusm.exits();
        const client = await openWs(`${rusm.url}/ws/wait`);
        await client.until(1);
        await rusm.until(
          "the process parked in recv (and the reporter)",
          async () => (await rusm.metric("rusm_processes_parked")) === 2,
        );
        leave(client);
        await expectExits(rusm, before, { disconnected: 1 });
        await report.heard(`wait: recv gave ${woke}, send gave false`);
        await report.leave();
      },
    );

    it.each([
      ["boom", "trap"],
      ["oom", "oom"],
      ["spin", "cpu"],
    ] as const)(
      "%s → close 1011, exit %s, other connections unaffected",
      async (message, reason) => {
        const before = await rusm.exits();
        const bystander = await openWs(`${rusm.url}/ws/echo`);
        const client = await openWs(`${rusm.url}/ws/faults`);
        client.ws.send("ok");
        await client.until(1);
        client.ws.send(message);
        expect((await client.closed).code).toBe(1011);
        await expectExits(rusm, before, { [reason]: 1 }, 60_000);
        bystander.ws.send("still here");
        await bystander.until(1);
        expect(bystander.messages).toEqual(["still here"]);
        bystander.ws.close();
        await untilNoProcesses(rusm);
      },
    );

    it("max-message-kb: a bigger message closes with 1009, exit disconnected", async () => {
      const before = await rusm.exits();
      const client = await openWs(`${rusm.url}/ws/echo`);
      client.ws.send("x".repeat(5 * 1024));
      expect((await client.closed).code).toBe(1009);
      await expectExits(rusm, before, { disconnected: 1 });
    });
  });

  describe("bad input gets the RFC 6455 answer, never a crash", () => {
    it("an unmasked client frame: close 1002, exit disconnected", async () => {
      const before = await rusm.exits();
      const raw = await RawSocket.open(rusm.url);
      raw.write(handshake("/ws/echo"));
      await raw.until("101", (c) => c.text.startsWith("HTTP/1.1 101"));
      raw.write(frame(0x1, Buffer.from("hi"), false));
      await raw.until("a close frame", (c) => c.closeCode() !== null);
      expect(raw.closeCode()).toBe(1002);
      raw.destroy();
      await expectExits(rusm, before, { disconnected: 1 });
    });

    it("a reserved opcode: close 1002", async () => {
      const raw = await RawSocket.open(rusm.url);
      raw.write(handshake("/ws/echo"));
      await raw.until("101", (c) => c.text.startsWith("HTTP/1.1 101"));
      raw.write(frame(0x3, Buffer.from("hi")));
      await raw.until("a close frame", (c) => c.closeCode() !== null);
      expect(raw.closeCode()).toBe(1002);
      raw.destroy();
      await untilNoProcesses(rusm);
    });

    it("invalid UTF-8 in a text message: close 1007", async () => {
      const raw = await RawSocket.open(rusm.url);
      raw.write(handshake("/ws/echo"));
      await raw.until("101", (c) => c.text.startsWith("HTTP/1.1 101"));
      raw.write(frame(0x1, Buffer.from([0xc3, 0x28])));
      await raw.until("a close frame", (c) => c.closeCode() !== null);
      expect(raw.closeCode()).toBe(1007);
      raw.destroy();
      await untilNoProcesses(rusm);
    });

    it.each([
      ["no Sec-WebSocket-Key", ["Sec-WebSocket-Key: "], 400],
      ["a key that is not 16 bytes", ["Sec-WebSocket-Key: c2hvcnQ="], 400],
      ["version 12", ["Sec-WebSocket-Version: 12"], 426],
    ] as const)(
      "a bad handshake (%s) is answered %i before any process",
      async (_what, extra, status) => {
        const before = await rusm.exits();
        const raw = await RawSocket.open(rusm.url);
        // Replaces the default header of the same name.
        const name = extra[0].split(":")[0]!;
        const lines = handshake("/ws/echo")
          .split("\r\n")
          .filter((l) => !l.startsWith(`${name}:`));
        lines.splice(2, 0, ...extra);
        raw.write(lines.join("\r\n"));
        await raw.until("an answer and the close", (c) => c.ended);
        expect(raw.text).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        if (status === 426) expect(raw.text.toLowerCase()).toContain("sec-websocket-version: 13");
        expect(await rusm.exits()).toEqual(before);
      },
    );
  });
});

describe.each(GUESTS)("WebSocket limits and shutdown in $lang", ({ file, mem }) => {
  it("a client that stops answering pings within ping-timeout-ms is gone: exit disconnected", async () => {
    const rusm = await startRusm(toml(file, mem, "ping-timeout-ms = 300"));
    try {
      const before = await rusm.exits();
      // A raw client answers nothing, pings included.
      const raw = await RawSocket.open(rusm.url);
      raw.write(handshake("/ws/wait"));
      await raw.until("101", (c) => c.text.startsWith("HTTP/1.1 101"));
      await expectExits(rusm, before, { disconnected: 1 });
      await raw.until("the server ends the connection", (c) => c.ended);
      // A ws client answers pings: it stays.
      const alive = await openWs(`${rusm.url}/ws/echo`);
      await sleep(1500);
      alive.ws.send("still");
      await alive.until(1);
      alive.ws.close();
      await untilNoProcesses(rusm);
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });

  it("shutdown: close 1001 to every client, exit shutdown", async () => {
    const rusm = await startRusm(toml(file, mem));
    const clients = await Promise.all([1, 2, 3].map(() => openWs(`${rusm.url}/ws/echo`)));
    await rusm.until("3 processes", async () => (await rusm.metric("rusm_processes")) === 3);
    expect(await rusm.stop()).toBe(0);
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    // The drain's one summary line: three live connections ended, each exit `shutdown`.
    const stopped = rusm.logs().filter((l) => l.msg === "stopped");
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ streamsEnded: 3, stoppedAtDeadline: 0 });
    expect(stopped[0]!.exits).toMatchObject({ shutdown: 3 });
  });
});
