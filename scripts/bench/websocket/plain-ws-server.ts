/**
 * @module scripts/bench/websocket/plain-ws-server
 * The baseline of the websocket bench: a plain `ws` server (noServer on node:http, as rusm
 * uses it) doing what `ws-wat` does, run as its own process:
 * - `/echo`: every message back as it came;
 * - `/room/<topic>`: every text message a member sends goes to every member of the topic
 *   (itself included), as rusm's broker + `run` deliver it.
 *
 * Prints `plain ws listening on http://HOST:PORT` once listening.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
});
const server = createServer((_req, res) => {
  res.writeHead(426, { upgrade: "websocket" });
  res.end();
});

server.on("upgrade", (req, socket, head) => {
  const path = req.url ?? "/";
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (path === "/echo") {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      return;
    }
    const topic = path.slice("/room/".length);
    let room = rooms.get(topic);
    if (room === undefined) rooms.set(topic, (room = new Set()));
    room.add(ws);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = (data as Buffer).toString("utf8");
      for (const member of room) member.send(text);
    });
    ws.on("close", () => room.delete(ws));
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`plain ws listening on http://127.0.0.1:${port}`);
});
