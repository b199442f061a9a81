/**
 * @module test/helpers/websocket
 * WebSocket clients for tests: `ws` as a client (opening, collecting messages, the close), and
 * a raw TCP client that does the handshake by hand and writes frames as given (masked or not),
 * for the RFC 6455 answers to bad input.
 */
import { connect, type Socket } from "node:net";
import WebSocket from "ws";

/** A `ws` client with what it received. */
export interface WsClient {
  readonly ws: WebSocket;
  /** Messages so far, text as strings, binary as Buffers. */
  readonly messages: Array<string | Buffer>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `n` messages arrived. */
  until(n: number, timeoutMs?: number): Promise<void>;
}

/** Opens a WebSocket to `url` (`http://` or `ws://`); rejects on any non-101 answer. */
export function openWs(url: string, protocols?: string[]): Promise<WsClient> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), protocols);
  const messages: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data, isBinary) => {
    messages.push(isBinary ? (data as Buffer) : (data as Buffer).toString("utf8"));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const client: WsClient = {
    ws,
    messages,
    closed,
    until(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${n} messages (got ${messages.length})`)),
          timeoutMs,
        );
        const check = (): void => {
          if (messages.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`the handshake was answered ${res.statusCode}`)),
    );
  });
}

/** A valid client handshake for `path` (RFC 6455's sample key), with extra header lines. */
export function handshake(path: string, extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...extra,
    "",
    "",
  ].join("\r\n");
}

/** One frame: FIN set, `opcode`, `payload`, masked unless `masked` is false. */
export function frame(opcode: number, payload: Buffer, masked = true): Buffer {
  const head: number[] = [0x80 | opcode];
  const len = payload.length;
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else head.push((masked ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** A raw TCP client: what it received so far as bytes. */
export class RawSocket {
  readonly socket: Socket;
  #received = Buffer.alloc(0);
  #ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => (this.#received = Buffer.concat([this.#received, d])));
    socket.on("close", () => (this.#ended = true));
    socket.on("error", () => undefined);
  }

  static open(url: string): Promise<RawSocket> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawSocket(socket)));
      socket.once("error", reject);
    });
  }

  get received(): Buffer {
    return this.#received;
  }

  get text(): string {
    return this.#received.toString("latin1");
  }

  /** True once the server closed (or reset) the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The bytes after the handshake's head (frames), once the head arrived. */
  frames(): Buffer {
    const at = this.#received.indexOf("\r\n\r\n");
    return at < 0 ? Buffer.alloc(0) : this.#received.subarray(at + 4);
  }

  /** The close frame's code among the frames received, or null. */
  closeCode(): number | null {
    let rest = this.frames();
    while (rest.length >= 2) {
      const opcode = rest[0]! & 0x0f;
      let len = rest[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        len = rest.readUInt16BE(2);
        at = 4;
      }
      if (opcode === 0x8) return len >= 2 ? rest.readUInt16BE(at) : 1005;
      rest = rest.subarray(at + len);
    }
    return null;
  }

  async until(what: string, check: (c: RawSocket) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}; received: ${JSON.stringify(this.text.slice(0, 400))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
