/**
 * @module rusm-guest/websocket
 * `rusm:guest/websocket@0.1.0`: one WebSocket connection per process (wit/websocket.wit).
 * The connection itself is the server's ({@link WsConnection}); this file is the WIT-shaped
 * glue: parking on recv and on a full send side (never a spin), the live-tail `run`, and the
 * close code rules.
 */
import { blockingCall, type Wait } from "../wasi/blocking.ts";
import { trap } from "../wasi/errors.ts";
import type { Message } from "../lifecycle/signal.ts";
import type { PubSubContext } from "../rusm-pubsub/context.ts";
import type {
  WebSocketUpgrade,
  WsConnection,
  WsIncoming,
  WsOutgoing,
} from "./websocket-connection.ts";

/** What the websocket interface needs of a process. */
export interface WebSocketContext extends PubSubContext {
  /** The upgrade request this process serves; null for a plain HTTP request. */
  readonly upgrade: WebSocketUpgrade | null;
}

/**
 * A published message's data as UTF-8, encoded once per message, not once per subscriber: the
 * broker hands every subscriber the same Message object (as rusm-guest/sse.ts does). Sent as a
 * text frame; the connection never writes into what it is given.
 */
const encoded = new WeakMap<Message, Uint8Array>();
function textOf(message: Message): Uint8Array {
  let bytes = encoded.get(message);
  if (bytes === undefined) {
    bytes = Buffer.from(message.data, "utf8");
    encoded.set(message, bytes);
  }
  return bytes;
}

/** A close reason's limit: a control frame's 125 bytes, less the 2 of the code. */
const MAX_REASON_BYTES = 123;
const encoder = new TextEncoder();

/**
 * Whether a guest may send `code` in a close frame (RFC 6455 section 7.4): 1000-1003,
 * 1007-1014 defined by the RFC and IANA, 3000-4999 for libraries and applications. 1004-1006
 * and 1015 are reserved (never sent), below 1000 and 1016-2999 unassigned.
 */
export function sendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Waits (parked) for `register`'s event; resolves at once when it fires synchronously. */
function waitFor(wait: Wait, register: (listener: () => void) => () => void): Promise<void> {
  let remove: (() => void) | undefined;
  const promise = new Promise<void>((resolve) => {
    remove = register(resolve);
  });
  return wait(promise).finally(() => remove?.());
}

/** WIT: `resource websocket` */
export class WebSocketResource {
  readonly #ctx: PubSubContext;
  readonly #conn: WsConnection;

  /** Host-only constructor: made by `accept`. */
  constructor(ctx: PubSubContext, conn: WsConnection) {
    this.#ctx = ctx;
    this.#conn = conn;
  }

  /** WIT: `protocol: func() -> option<string>;` */
  protocol(): string | undefined {
    return this.#conn.protocol ?? undefined;
  }

  /** WIT: `recv: func() -> incoming;` Parks until a message arrives or the connection ends. */
  recv(): WsIncoming | Promise<WsIncoming> {
    return blockingCall(this.#ctx, (wait) => {
      const now = this.#conn.take();
      if (now !== null) return now;
      return (async () => {
        for (;;) {
          await waitFor(wait, (l) => this.#conn.onActivity(l));
          const got = this.#conn.take();
          if (got !== null) return got;
        }
      })();
    });
  }

  /** WIT: `send-text: func(text: string) -> bool;` Parks while the send side is full. */
  sendText(text: string): boolean | Promise<boolean> {
    return blockingCall(this.#ctx, (wait) => this.#send(text, wait));
  }

  /** WIT: `send-binary: func(data: list<u8>) -> bool;` Parks while the send side is full. */
  sendBinary(data: Uint8Array): boolean | Promise<boolean> {
    // Copied: the lifted list may be a view of guest memory, which the next call reuses.
    const bytes = data.slice();
    return blockingCall(this.#ctx, (wait) => this.#send(bytes, wait));
  }

  /**
   * WIT: `close: func(code: u16, reason: string);`
   * Traps: a code a guest may not send, or a reason over 123 bytes of UTF-8.
   */
  close(code: number, reason: string): void {
    if (!sendableCloseCode(code)) {
      trap(
        `websocket.close: ${code} is not a close code a guest may send (1000-1003, 1007-1014, 3000-4999)`,
      );
    }
    if (encoder.encode(reason).length > MAX_REASON_BYTES) {
      trap(`websocket.close: the reason is longer than ${MAX_REASON_BYTES} bytes of UTF-8`);
    }
    this.#conn.close(code, reason);
  }

  /**
   * WIT: `run: func(heartbeat-ms: u32) -> incoming;` Forwards the mailbox's messages as text
   * until the client sends one (returned) or the connection ends; a ping each idle heartbeat.
   */
  run(heartbeatMs: number): WsIncoming | Promise<WsIncoming> {
    return blockingCall(this.#ctx, async (wait) => {
      const conn = this.#conn;
      const mailbox = this.#ctx.mailbox;
      let brokerDone = false;
      for (;;) {
        const incoming = conn.take();
        if (incoming !== null) return incoming;
        if (brokerDone) {
          // The broker dropped this subscriber: nothing more to forward; run is a plain recv.
          await waitFor(wait, (l) => conn.onActivity(l));
          continue;
        }
        let arrived = false;
        const received =
          mailbox.poll() ??
          (await wait(
            mailbox.next(heartbeatMs, (cancel) =>
              conn.onActivity(() => {
                arrived = true;
                cancel();
              }),
            ),
          ));
        switch (received.kind) {
          case "message":
            // A send that fails means the connection is over: the next take() says closed.
            await this.#send({ text: textOf(received.message) }, wait);
            if (mailbox.size > 0) await this.#ctx.resume();
            break;
          case "closed":
            brokerDone = true;
            break;
          case "timeout":
            // An arrival (a message, the end) also ends the wait as a timeout: no ping then.
            if (!arrived && conn.open) conn.ping();
        }
      }
    });
  }

  /** Queues one message once the send side has room; false once the connection is over. */
  #send(data: WsOutgoing, wait: Wait): boolean | Promise<boolean> {
    const conn = this.#conn;
    if (!conn.open) return false;
    if (conn.writable()) return conn.send(data);
    return (async () => {
      while (conn.open && !conn.writable()) await waitFor(wait, (l) => conn.onWritable(l));
      return conn.open && conn.send(data);
    })();
  }
}

/** The per-process `rusm:guest/websocket` import. */
export function websocket(ctx: WebSocketContext): object {
  return {
    Websocket: WebSocketResource,
    /** WIT: `offered-protocols: func() -> list<string>;` Empty for a plain request. */
    offeredProtocols(): string[] {
      return [...(ctx.upgrade?.offered ?? [])];
    },
    /**
     * WIT: `accept: func(protocol: option<string>) -> websocket;` Sends 101.
     * Traps: no upgrade request (a plain request, or already answered), or a protocol the
     * client did not offer.
     */
    accept(protocol: string | undefined): WebSocketResource {
      const upgrade = ctx.upgrade;
      if (upgrade === null) trap("websocket.accept: this request is not a WebSocket upgrade");
      if (upgrade.accepted || ctx.exchange.responded) {
        trap("websocket.accept: the process has already responded");
      }
      if (protocol !== undefined && !upgrade.offered.includes(protocol)) {
        trap(
          `websocket.accept: the client did not offer the subprotocol "${protocol}" (it offered: ${upgrade.offered.join(", ") || "none"})`,
        );
      }
      return new WebSocketResource(ctx, upgrade.accept(protocol ?? null));
    },
  };
}
