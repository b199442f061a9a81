/**
 * @module server/ws-connection
 * One open WebSocket as a process's host calls see it ({@link WsConnection}), over a `ws`
 * WebSocket on the upgraded socket.
 *
 * Both directions are bounded. Outgoing: a send is queued only while what the socket buffers is
 * under the bound (the component's `body-buffer-kb`); a parked send is woken by the write
 * callback of each message that leaves the buffer (the socket's own `drain` only comes after a
 * write past its high-water mark, which may be above the bound). Incoming: once the messages the guest has not taken pass the bound,
 * the socket is paused (TCP pushes back on the client) until the guest takes them.
 *
 * Liveness: every `ping-timeout-ms` the host pings; a client that sent nothing (no pong, no
 * frame) since the last ping is gone, and its socket destroyed. ws itself answers protocol
 * faults (a bad or unmasked frame: 1002; a message over `max-message-kb`: 1009) and closes.
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { CloseInfo, WsConnection, WsIncoming, WsOutgoing } from "../rusm-guest/index.ts";
import type { Metrics } from "../metrics/index.ts";

/** The end of a connection that ended without a close frame (RFC 6455 section 7.1.5). */
const ABNORMAL = 1006;

export interface WsLimits {
  /** Bytes buffered each way before a send parks or the socket pauses. */
  readonly bufferBytes: number;
  /** `[serve] ping-timeout-ms`: 0 for no pings. */
  readonly pingTimeoutMs: number;
}

/** Who ended a connection: the client (closed, left, failed, timed out) or rusm (guest, host). */
export type WsEnder = "client" | "host";

export class NodeWsConnection implements WsConnection {
  readonly protocol: string | null;
  readonly #ws: WebSocket;
  readonly #socket: Socket;
  readonly #limits: WsLimits;
  readonly #metrics: Metrics;
  readonly #queue: WsIncoming[] = [];
  /** The wire size of each queued message, in order. */
  readonly #sizes: number[] = [];
  #queuedBytes = 0;
  #paused = false;
  #closed: CloseInfo | null = null;
  /** Set when rusm started the close (the guest's close, the process's end, a drain). */
  #closedByHost = false;
  #alive = true;
  readonly #pinger: NodeJS.Timeout | undefined;
  #activity = new Set<() => void>();
  #writable = new Set<() => void>();
  readonly #onEnd: (by: WsEnder) => void;

  constructor(
    ws: WebSocket,
    socket: Socket,
    protocol: string | null,
    limits: WsLimits,
    metrics: Metrics,
    onEnd: (by: WsEnder) => void,
  ) {
    this.#ws = ws;
    this.#socket = socket;
    this.protocol = protocol;
    this.#limits = limits;
    this.#metrics = metrics;
    this.#onEnd = onEnd;
    ws.on("message", (data, isBinary) => this.#message(data as Buffer | Buffer[], isBinary));
    ws.on("pong", () => (this.#alive = true));
    ws.on("ping", () => (this.#alive = true));
    // Swallowed on purpose: ws answers the fault itself (1002, 1009) and then emits 'close'.
    ws.on("error", () => undefined);
    ws.on("close", (code, reason) => this.#end(code, reason.toString()));
    socket.on("drain", () => this.#fire("writable"));
    if (limits.pingTimeoutMs > 0) {
      this.#pinger = setInterval(() => this.#checkAlive(), limits.pingTimeoutMs);
      this.#pinger.unref();
    }
  }

  get open(): boolean {
    return this.#closed === null && !this.#closedByHost;
  }

  /** Bytes the host holds for this connection: to send, and received but not yet taken. */
  get buffered(): number {
    return this.#ws.bufferedAmount + this.#queuedBytes;
  }

  take(): WsIncoming | null {
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#queuedBytes -= this.#sizes.shift() ?? 0;
      if (this.#paused && this.#queuedBytes < this.#limits.bufferBytes) {
        this.#paused = false;
        this.#ws.resume();
      }
      return next;
    }
    if (this.#closed !== null) return { tag: "closed", val: this.#closed };
    if (this.#closedByHost) return { tag: "closed", val: { code: ABNORMAL, reason: "" } };
    return null;
  }

  onActivity(listener: () => void): () => void {
    if (this.#queue.length > 0 || !this.open) {
      listener();
      return () => undefined;
    }
    this.#activity.add(listener);
    return () => this.#activity.delete(listener);
  }

  writable(): boolean {
    return this.#ws.bufferedAmount < this.#limits.bufferBytes;
  }

  onWritable(listener: () => void): () => void {
    if (this.writable() || !this.open) {
      listener();
      return () => undefined;
    }
    this.#writable.add(listener);
    return () => this.#writable.delete(listener);
  }

  send(data: WsOutgoing): boolean {
    if (!this.open) return false;
    // Invariant: the caller checked writable(); what one send adds is its own message.
    if (typeof data === "string" || data instanceof Uint8Array) {
      this.#ws.send(data, { binary: typeof data !== "string" }, () => this.#wrote());
    } else {
      // Already UTF-8 (shared by every subscriber of a message): a text frame of those bytes.
      this.#ws.send(data.text, { binary: false }, () => this.#wrote());
    }
    this.#metrics.websocketMessages.inc({ direction: "out" });
    return true;
  }

  ping(): void {
    if (this.open) this.#ws.ping();
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.#closedByHost = true;
    this.#ws.close(code, reason);
    this.#fire("activity");
    this.#fire("writable");
  }

  /** Ends the connection at once, without a closing handshake (a fault of the socket). */
  terminate(): void {
    this.#ws.terminate();
  }

  #message(data: Buffer | Buffer[], isBinary: boolean): void {
    this.#alive = true;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data;
    const incoming: WsIncoming = isBinary
      ? { tag: "binary", val: new Uint8Array(bytes) }
      : { tag: "text", val: bytes.toString("utf8") };
    this.#metrics.websocketMessages.inc({ direction: "in" });
    this.#queue.push(incoming);
    this.#sizes.push(bytes.length);
    this.#queuedBytes += bytes.length;
    if (!this.#paused && this.#queuedBytes >= this.#limits.bufferBytes) {
      this.#paused = true;
      this.#ws.pause();
    }
    this.#fire("activity");
  }

  /** A message left the buffer (or failed): a parked send may fit now. */
  #wrote(): void {
    if (this.#writable.size > 0 && (this.writable() || !this.open)) this.#fire("writable");
  }

  #checkAlive(): void {
    if (this.#closed !== null) return;
    if (!this.#alive) {
      // Silent for a whole ping-timeout-ms after a ping: gone (a dead peer, a dead network).
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    this.#ws.ping();
  }

  #end(code: number, reason: string): void {
    if (this.#closed !== null) return;
    clearInterval(this.#pinger);
    this.#closed = { code, reason };
    this.#fire("activity");
    this.#fire("writable");
    this.#onEnd(this.#closedByHost ? "host" : "client");
    this.#socket.removeAllListeners("drain");
  }

  #fire(which: "activity" | "writable"): void {
    const set = which === "activity" ? this.#activity : this.#writable;
    if (set.size === 0) return;
    const listeners = [...set];
    set.clear();
    for (const listener of listeners) listener();
  }
}
