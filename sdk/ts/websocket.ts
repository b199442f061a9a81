/**
 * @module rusm/guest/websocket
 * The WebSocket of a WebSocket action (rusm:guest/websocket): `recv`, `send`, iteration and
 * the live-tail `run`, over the host's bounded, parking calls. Re-exported by `rusm/guest`.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./wit.d.ts" />
import { accept, offeredProtocols, type Websocket } from "rusm:guest/websocket@0.1.0";
import { milliseconds } from "./pubsub.js";

/** A message: text as a string, binary as bytes. */
export type WsMessage = string | Uint8Array;

/** How a connection ended: the close frame's code and reason (1006: no close frame). */
export interface WsClose {
  code: number;
  reason: string;
}

/**
 * The socket of a WebSocket action, one per process. The handshake completes on first use
 * (or at `accept(protocol)`, to choose a subprotocol the client offered). `recv` waits for the
 * next message (the process parks) and gives undefined once the connection is over; `send`
 * waits while the client is behind and returns false once it is gone: stop then, and return.
 * Returning closes the socket with 1000; a crash closes it with 1011.
 */
export interface Ws extends Iterable<WsMessage>, AsyncIterable<WsMessage> {
  /** The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its order. */
  readonly protocols: readonly string[];
  /** Completes the handshake choosing `protocol` (one of {@link protocols}). Once, before use. */
  accept(protocol?: string): void;
  /** The subprotocol chosen, once accepted. */
  readonly protocol: string | undefined;
  /** The next message; undefined once the connection is over (see {@link closed}). */
  recv(): WsMessage | undefined;
  /** Sends a text (string) or binary (Uint8Array) message. False once the client is gone. */
  send(data: WsMessage): boolean;
  /** Closes with `code` (default 1000; 1000-1003, 1007-1014, 3000-4999) and a short reason. */
  close(code?: number, reason?: string): void;
  /**
   * Live tail: forwards every message of the topics this process subscribed to (`broker`) to
   * the client as text, pinging it each `heartbeatMs` of quiet, and hands each message the
   * client sends to `onMessage`; returns once the connection is over.
   */
  run(heartbeatMs: number, onMessage?: (message: WsMessage) => void): void;
  /** False once the connection is over. */
  readonly open: boolean;
  /** How it ended, once over. */
  readonly closed: WsClose | undefined;
}

/** Marks a 3-argument handler as a WebSocket action (its third argument is a {@link Ws}). */
export const WEBSOCKET_KIND: unique symbol = Symbol.for("rusm.websocket-action") as never;

/** `data` as a Uint8Array (itself when it is one). */
function bytes(data: ArrayBufferView | ArrayBuffer | ArrayLike<number>): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data as ArrayBuffer);
}

/** The host's socket behind a {@link Ws}, accepted on first use. */
export class GuestWs implements Ws {
  #socket: Websocket | undefined;
  #closed: WsClose | undefined;
  #protocols: readonly string[] | undefined;

  get protocols(): readonly string[] {
    this.#protocols ??= offeredProtocols();
    return this.#protocols;
  }

  get accepted(): boolean {
    return this.#socket !== undefined;
  }

  accept(protocol?: string): void {
    if (this.#socket !== undefined) throw new Error("ws.accept: the handshake is already done");
    this.#socket = accept(protocol === undefined ? undefined : String(protocol));
  }

  get protocol(): string | undefined {
    return this.#socket?.protocol();
  }

  get open(): boolean {
    return this.#closed === undefined;
  }

  get closed(): WsClose | undefined {
    return this.#closed;
  }

  recv(): WsMessage | undefined {
    if (this.#closed !== undefined) return undefined;
    return this.#message(this.#use().recv());
  }

  send(data: WsMessage): boolean {
    if (this.#closed !== undefined) return false;
    const socket = this.#use();
    if (typeof data === "string") return socket.sendText(data);
    if (ArrayBuffer.isView(data) || (data as unknown) instanceof ArrayBuffer) {
      return socket.sendBinary(bytes(data));
    }
    return socket.sendText(String(data));
  }

  close(code = 1000, reason = ""): void {
    this.#use().close(code, String(reason));
    this.#closed ??= { code, reason: String(reason) };
  }

  run(heartbeatMs: number, onMessage?: (message: WsMessage) => void): void {
    const ms = milliseconds("ws.run's heartbeat", heartbeatMs);
    while (this.#closed === undefined) {
      const message = this.#message(this.#use().run(ms));
      if (message !== undefined) onMessage?.(message);
    }
  }

  *[Symbol.iterator](): Iterator<WsMessage> {
    for (;;) {
      const message = this.recv();
      if (message === undefined) return;
      yield message;
    }
  }

  /** `for await`: the same messages; each `recv` still parks the process, not a promise. */
  [Symbol.asyncIterator](): AsyncIterator<WsMessage> {
    return {
      next: () => {
        const value = this.recv();
        return Promise.resolve(
          value === undefined ? { done: true, value: undefined } : { done: false, value },
        );
      },
    };
  }

  #use(): Websocket {
    if (this.#socket === undefined) this.accept();
    return this.#socket!;
  }

  #message(incoming: ReturnType<Websocket["recv"]>): WsMessage | undefined {
    switch (incoming.tag) {
      case "text":
        return incoming.val;
      case "binary":
        // The engine may lift list<u8> as another array type: always a Uint8Array here.
        return bytes(incoming.val);
      case "closed":
        this.#closed = { code: incoming.val.code, reason: incoming.val.reason };
        return undefined;
    }
  }
}

/**
 * Marks `fn` as a WebSocket action: `export const chat = { room: websocket((req, params, ws)
 * => { for (const msg of ws) ws.send(msg); }) }`. Returns `fn`.
 */
export function websocket<F extends (request: Request, params: never, ws: Ws) => unknown>(
  fn: F,
): F {
  Object.defineProperty(fn, WEBSOCKET_KIND, { value: true });
  return fn;
}
