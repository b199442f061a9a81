/**
 * ts-ws: WebSocket actions with the TypeScript SDK (`rusm/guest`'s `websocket`, `Ws`), one per
 * row of the WebSocket lifecycle table (test/websocket-lifecycle.test.ts), plus the example's
 * echo and chat room (examples/routes.toml). See README.md.
 */
import { broker, websocket, type Params, type Ws } from "rusm/guest";

/**
 * Says `text` on stdout and publishes it on topic `chat.report` (a `ws#chat` member of room
 * `report` receives it): how the tests hear what the guest saw, in TypeScript and in Rust alike.
 */
function report(text: string): void {
  console.log(text);
  broker.publish("chat.report", text);
}

function query(request: Request, name: string, fallback: string): string {
  return new URL(request.url).searchParams.get(name) ?? fallback;
}

export const ws = {
  /** `GET /ws/echo`: every message back as it came (text as text, binary as binary). */
  echo: websocket((_request: Request, _params: Params, ws: Ws) => {
    for (const message of ws) {
      if (!ws.send(message)) return;
    }
  }),

  /** The same with `for await`. */
  echoAsync: websocket(async (_request: Request, _params: Params, ws: Ws) => {
    for await (const message of ws) {
      if (!ws.send(message)) return;
    }
  }),

  /** `?n=N` messages `msg K`, then returns: rusm closes with 1000, exit normal. */
  count: websocket((request: Request, _params: Params, ws: Ws) => {
    const n = Number(query(request, "n", "3"));
    for (let i = 0; i < n; i++) ws.send(`msg ${i}`);
  }),

  /**
   * Sends `?size=B`-byte messages (binary with `?binary=1`) until a send returns false
   * (back-pressure parks each send while the client does not read); then logs how many it sent.
   */
  flood: websocket((request: Request, _params: Params, ws: Ws) => {
    const size = Number(query(request, "size", "16384"));
    const chunk = query(request, "binary", "0") === "1" ? new Uint8Array(size) : "x".repeat(size);
    let n = 0;
    while (ws.send(chunk)) n++;
    report(`flood: send returned false after ${n} messages`);
  }),

  /** Parks in recv; logs what woke it (test: a client leaving wakes it "closed"). */
  wait: websocket((_request: Request, _params: Params, ws: Ws) => {
    ws.send("waiting");
    const message = ws.recv();
    const sent = ws.send("after");
    report(
      `wait: recv gave ${message === undefined ? `closed ${ws.closed?.code}` : "a message"}, send gave ${sent}`,
    );
  }),

  /** Echoes until a message `boom` (throws: 1011, trap), `oom` (allocates: 1011, oom) or `spin`. */
  faults: websocket((_request: Request, _params: Params, ws: Ws) => {
    for (const message of ws) {
      if (message === "boom") throw new Error("boom in ws#faults");
      if (message === "oom") {
        const hog: Uint8Array[] = [];
        for (;;) hog.push(new Uint8Array(1 << 23).fill(1));
      }
      if (message === "spin") for (;;);
      ws.send(message);
    }
  }),

  /** Chooses the last subprotocol the client offered; sends `protocol <p>`. */
  proto: websocket((_request: Request, _params: Params, ws: Ws) => {
    const offered = ws.protocols;
    ws.accept(offered[offered.length - 1]);
    ws.send(`protocol ${ws.protocol ?? "(none)"} of ${offered.join(",")}`);
    ws.recv();
  }),

  /** Closes with a code of its own (`?code=`), then returns. */
  bye: websocket((request: Request, _params: Params, ws: Ws) => {
    ws.close(Number(query(request, "code", "4000")), "bye");
  }),

  /**
   * `GET /ws/chat/:room`: a chat room over the broker. Every member gets every message sent
   * to its room (its own included); rooms are isolated. `?hb=ms` pings while quiet.
   */
  chat: websocket((request: Request, params: Params, ws: Ws) => {
    const room = `chat.${params.get("room") ?? "lobby"}`;
    broker.subscribe(room);
    ws.send(`joined ${room}`);
    ws.run(Number(query(request, "hb", "15000")), (message) => {
      broker.publish(
        room,
        typeof message === "string" ? message : new TextDecoder().decode(message),
      );
    });
  }),
};
