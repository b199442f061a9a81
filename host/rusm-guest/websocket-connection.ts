/**
 * @module rusm-guest/websocket-connection
 * What `rusm:guest/websocket` needs of a WebSocket connection, kept apart from the WIT-shaped
 * glue (websocket.ts). The server implements it over the `ws` package (server/websocket/);
 * this layer only says the contract: a queue of incoming messages, a bounded outgoing side,
 * and the connection's end.
 */

/** WIT: `record close-info` */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** WIT: `variant incoming` as jco lifts and lowers it (`{tag, val}`). */
export type WsIncoming =
  | { readonly tag: "text"; readonly val: string }
  | { readonly tag: "binary"; readonly val: Uint8Array }
  | { readonly tag: "closed"; readonly val: CloseInfo };

/**
 * What a send carries: a text message (a string, or its UTF-8 bytes already encoded, which the
 * connection never writes into) or a binary one.
 */
export type WsOutgoing = string | Uint8Array | { readonly text: Uint8Array };

/** An upgrade request a process may accept (or answer as plain HTTP instead). */
export interface WebSocketUpgrade {
  /** `Sec-WebSocket-Protocol`'s subprotocols, in the client's order. */
  readonly offered: readonly string[];
  /** True once the handshake was done (or the request answered otherwise). */
  readonly accepted: boolean;
  /**
   * Sends 101 with `protocol` and returns the open connection.
   * Throws when the handshake cannot be completed (the client left meanwhile): the returned
   * connection is then already over; never throws for a protocol (the caller checks it).
   */
  accept(protocol: string | null): WsConnection;
}

/** An open WebSocket, as the guest's host calls see it. */
export interface WsConnection {
  /** The subprotocol chosen at accept. */
  readonly protocol: string | null;
  /**
   * The next message, or the end once every queued message was taken (`closed`, again and
   * again); null when nothing is queued yet: wait with {@link onActivity}.
   */
  take(): WsIncoming | null;
  /**
   * Calls `listener` once at the next arrival (a message, or the connection's end), or at once
   * when one is already there. Returns the function that removes it.
   */
  onActivity(listener: () => void): () => void;
  /** False once the connection is over (closed by either side, or failed). */
  readonly open: boolean;
  /** True when a send may be queued now (what is buffered is under the bound). */
  writable(): boolean;
  /** Calls `listener` once when a send may be queued, or the connection ended. Returns its remover. */
  onWritable(listener: () => void): () => void;
  /** Queues one message. Invariant: only when {@link writable}; false once the connection is over. */
  send(data: WsOutgoing): boolean;
  /** Sends a ping (a heartbeat). */
  ping(): void;
  /** Starts the closing handshake with `code` and `reason` (already checked). Idempotent. */
  close(code: number, reason: string): void;
}
