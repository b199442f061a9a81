/**
 * @module server/ws-handshake
 * The HTTP side of a WebSocket handshake (RFC 6455 section 4.2): what makes an upgrade request
 * valid before any process starts, the answers to one that is not, and the `ws` server (in
 * noServer mode on rusm's own listener) that completes the handshake once a guest accepts.
 */
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";

/** `Sec-WebSocket-Key`: 16 random bytes in base64 (section 4.1). */
const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;

/** Whether a request asks for a WebSocket (`Upgrade: websocket`, any case). */
export function wantsWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/** Why an upgrade request cannot be a handshake: its answer. Null when it can. */
export interface HandshakeRefusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/** Checks what section 4.2.1 requires of the client's handshake, before any process starts. */
export function checkHandshake(req: IncomingMessage): HandshakeRefusal | null {
  if (req.method !== "GET") {
    return { status: 400, message: "a WebSocket handshake is a GET request" };
  }
  const connection = (req.headers.connection ?? "").toLowerCase().split(/\s*,\s*/);
  if (!connection.includes("upgrade")) {
    return { status: 400, message: "a WebSocket handshake says Connection: Upgrade" };
  }
  const version = req.headers["sec-websocket-version"];
  if (version !== "13" && version !== "8") {
    // Section 4.4: say which versions this server speaks.
    return {
      status: 426,
      message: `unsupported Sec-WebSocket-Version ${version ?? "(none)"}: this server speaks 13`,
      headers: [["sec-websocket-version", "13"]],
    };
  }
  const key = req.headers["sec-websocket-key"];
  if (key === undefined || !KEY.test(key.trim())) {
    return { status: 400, message: "Sec-WebSocket-Key is missing or not 16 bytes of base64" };
  }
  return null;
}

/** An HTTP/1.1 response head for a raw socket, closing the connection. */
export function rawHead(status: number, headers: ReadonlyArray<readonly [string, string]>): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}`];
  for (const [name, value] of headers) {
    if (name === "connection" || name === "content-length" || name === "transfer-encoding") {
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  lines.push("connection: close");
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Answers `status` with a text body on a socket that is still HTTP, then ends it. */
export function rawResponse(
  socket: Socket,
  status: number,
  message: string,
  headers: ReadonlyArray<readonly [string, string]> = [],
): void {
  if (socket.destroyed) return;
  const body = message.endsWith("\n") ? message : `${message}\n`;
  const head = rawHead(status, [["content-type", "text/plain; charset=utf-8"], ...headers]).replace(
    /\r\n\r\n$/,
    `\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  socket.end(head + body, "latin1");
  // A client that never reads its answer must not keep the socket.
  setTimeout(() => socket.destroy(), 10_000).unref();
}

/**
 * The `ws` server that completes handshakes: no listener of its own, no client tracking (the
 * processes track their sockets), no compression, `maxPayload` as `[serve] max-message-kb`
 * (a bigger message closes with 1009). `chosen` holds each request's subprotocol, as its guest
 * chose it, for `handleProtocols`.
 */
export function createWsServer(
  maxMessageBytes: number,
  chosen: WeakMap<IncomingMessage, string | null>,
): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: maxMessageBytes,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
}
