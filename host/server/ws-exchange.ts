/**
 * @module server/ws-exchange
 * A WebSocket upgrade request as its process sees it: a {@link ProcessExchange} (the request,
 * and how the process's end settles it) and the {@link WebSocketUpgrade} its guest accepts.
 *
 * Before `accept`, the socket is still HTTP: a guest that answers through wasi:http instead
 * (a 403, say) gets its response written raw, with `connection: close`; a process that ends
 * without answering gets 500. After `accept` (101, by `ws`), the process's end closes the
 * WebSocket: 1000 when it returned, 1011 when it failed (trap, oom, cpu, timeout, kill),
 * 1001 on a drain. A client that closes, leaves, fails or stops answering pings is gone.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocketServer } from "ws";
import type { ByteChannel, ChannelSink } from "../stream/channel.ts";
import type { ProcessExchange } from "../process/process.ts";
import type { WebSocketUpgrade, WsConnection } from "../rusm-guest/index.ts";
import type { FieldEntry, IncomingRequestData, RequestBodySource } from "../wasi/index.ts";
import type { Metrics } from "../metrics/index.ts";
import { ClientGone } from "./client-gone.ts";
import { NodeRequestData } from "./exchange.ts";
import { NodeRequestBody } from "./request-body.ts";
import { NodeWsConnection, type WsLimits } from "./ws-connection.ts";
import { rawHead, rawResponse } from "./ws-handshake.ts";

/** What the handshake needs: the server doing it, and which protocol the guest chose. */
export interface WsHandshake {
  readonly server: WebSocketServer;
  /** Where the guest's choice waits for ws's `handleProtocols` (read during handleUpgrade). */
  readonly chosen: WeakMap<IncomingMessage, string | null>;
}

/** ws's reason for a close 1011. */
const FAILED_REASON = "the server process failed";

/** The connection of a client that left before its handshake: over from the start. */
const GONE: WsConnection = {
  protocol: null,
  open: false,
  take: () => ({ tag: "closed", val: { code: 1006, reason: "" } }),
  onActivity: (listener) => {
    listener();
    return () => undefined;
  },
  writable: () => false,
  onWritable: (listener) => {
    listener();
    return () => undefined;
  },
  send: () => false,
  ping: () => undefined,
  close: () => undefined,
};

export class WsExchange implements ProcessExchange, WebSocketUpgrade {
  readonly request: IncomingRequestData;
  readonly offered: readonly string[];
  readonly #req: IncomingMessage;
  readonly #socket: Socket;
  readonly #head: Buffer;
  readonly #handshake: WsHandshake;
  readonly #limits: WsLimits;
  readonly #metrics: Metrics;
  #conn: NodeWsConnection | null = null;
  #responded = false;
  readonly #client = new ClientGone();
  #body: ByteChannel | null = null;
  readonly #onAccept: () => void;

  constructor(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    handshake: WsHandshake,
    limits: WsLimits,
    metrics: Metrics,
    onAccept: () => void,
  ) {
    this.#req = req;
    this.#socket = socket;
    this.#head = head;
    this.#handshake = handshake;
    this.#limits = limits;
    this.#metrics = metrics;
    this.#onAccept = onAccept;
    this.request = new NodeRequestData(req);
    this.offered = (req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    // Before the handshake the socket is ours: its leaving is the client's.
    socket.on("close", () => {
      if (this.#conn === null) this.#gone();
    });
    // Swallowed on purpose: a socket error ends in 'close', handled above (or by ws after 101).
    socket.on("error", () => undefined);
  }

  get accepted(): boolean {
    return this.#conn !== null;
  }

  get responded(): boolean {
    return this.#responded;
  }

  get clientGone(): boolean {
    return this.#client.gone;
  }

  /** A live connection: a drain ends it with 1001. */
  get eventStream(): boolean {
    return this.#conn !== null;
  }

  /** The open connection's buffered bytes, for the buffered-bytes gauge. */
  get buffered(): number {
    return this.#conn?.buffered ?? 0;
  }

  accept(protocol: string | null): WsConnection {
    this.#responded = true;
    const { server, chosen } = this.#handshake;
    chosen.set(this.#req, protocol);
    let opened: NodeWsConnection | null = null;
    // Synchronous: no verifyClient, so ws writes the 101 and calls back within handleUpgrade.
    server.handleUpgrade(this.#req, this.#socket, this.#head, (ws) => {
      opened = new NodeWsConnection(
        ws,
        this.#socket,
        protocol,
        this.#limits,
        this.#metrics,
        (by) => {
          if (by === "client") this.#gone();
        },
      );
    });
    chosen.delete(this.#req);
    if (opened === null) {
      // The socket was gone already (ws destroyed it): a connection that is over, not a fault.
      this.#gone();
      return GONE;
    }
    this.#conn = opened;
    this.#onAccept();
    return opened;
  }

  requestBody(): RequestBodySource {
    return new NodeRequestBody(this.#req);
  }

  respond(status: number, headers: FieldEntry[], body: ByteChannel): void {
    this.#responded = true;
    this.#body = body;
    if (this.#client.gone) {
      body.close();
      return;
    }
    const head = rawHead(
      status,
      headers.map(([name, value]) => [name, Buffer.from(value).toString("latin1")] as const),
    );
    body.attach(this.#sink(head));
  }

  fail(message: string): void {
    this.respondError(500, `${message}\n`);
  }

  respondError(status: number, message: string): void {
    this.#responded = true;
    if (this.#client.gone || this.#conn !== null || this.#body !== null) return;
    rawResponse(this.#socket, status, message);
  }

  truncateBody(): void {
    if (this.#conn !== null) this.#conn.close(1011, FAILED_REASON);
    else this.#body?.truncate();
  }

  endBody(): void {
    if (this.#conn !== null) this.#conn.close(1000, "");
    else if (this.#body !== null && !this.#body.ended) this.#body.finish();
  }

  goingAway(): void {
    this.#conn?.close(1001, "the server is shutting down");
  }

  onBodyBytes(_n: number): void {
    // A raw (non-101) answer's bytes are not counted as response body bytes.
  }

  onClientGone(listener: () => void): void {
    this.#client.on(listener);
  }

  onFault(_listener: (why: string) => void): void {
    // Nothing here faults on the guest's behalf: a raw answer is written as set.
  }

  #gone(): void {
    this.#client.mark(() => this.#body?.close());
  }

  /** The raw HTTP answer of a guest that did not accept: head, body, then the socket ends. */
  #sink(head: string): ChannelSink {
    const socket = this.#socket;
    let headSent = false;
    const sendHead = (): void => {
      if (!headSent) socket.write(head, "latin1");
      headSent = true;
    };
    return {
      write: (chunk) => {
        sendHead();
        return socket.write(chunk);
      },
      flushHead: sendHead,
      end: (_trailers, last) => {
        sendHead();
        if (last === undefined) socket.end();
        else socket.end(last);
      },
      truncate: () => socket.destroy(),
      fault: () => socket.destroy(),
      onDrain: (listener) => socket.on("drain", listener),
      pending: () => socket.writableLength,
    };
  }
}
