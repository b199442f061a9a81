/**
 * @module server/secure-server
 * The public listener over TLS (`[serve] tls`): node:http2's `createSecureServer` with
 * `allowHTTP1`, so one port speaks HTTP/2 and HTTP/1.1, chosen by ALPN (`h2`, `http/1.1`).
 * HTTP/1.1 connections (and their WebSocket upgrades, wss) go through node:http's own
 * connection handling, as on the plain listener; HTTP/2 connections are sessions of streams.
 *
 * node:http2's server has no `closeIdleConnections`/`closeAllConnections` for a drain, so it
 * tracks its connections itself ({@link Connections}): an HTTP/2 session is sent GOAWAY (no new
 * streams; its open ones finish), an idle HTTP/1.1 connection is closed, and at the end every
 * one is destroyed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import type { Server } from "node:net";
import type { TLSSocket } from "node:tls";

/** What a drain does to a listener's open connections. */
export interface Connections {
  /** Closes the connections with no response in progress (HTTP/2: GOAWAY, then closes once done). */
  closeIdle(): void;
  /** Destroys every open connection. */
  closeAll(): void;
}

/**
 * Streams one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS): a
 * browser page's EventSources on one origin share one connection, so this is how many live
 * feeds one page can hold. RFC 9113 recommends no less than 100.
 */
export const MAX_CONCURRENT_STREAMS = 256;

export interface SecureOptions {
  readonly cert: string;
  readonly key: string;
  /** Per response stream (HTTP/1.1 sockets and HTTP/2 streams): as small as the channel. */
  readonly highWaterMark: number;
  readonly headersTimeout: number;
  readonly keepAliveTimeout: number;
  readonly connectionsCheckingInterval: number;
  /** A new connection must finish its TLS handshake this soon (ms; 0: Node's 120 s). */
  readonly handshakeTimeout: number;
}

type Handler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** HTTP/1.1 connections of the TLS listener: how many responses each has in progress. */
type Http1Busy = Map<TLSSocket, number>;

/** Creates the TLS listener (not yet listening) and its drain handles. */
export function createTlsServer(
  options: SecureOptions,
  handler: Handler,
): { server: Server; connections: Connections } {
  const server: Http2SecureServer = createSecureServer(
    {
      cert: options.cert,
      key: options.key,
      allowHTTP1: true,
      ALPNProtocols: ["h2", "http/1.1"],
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
      ...(options.handshakeTimeout > 0 ? { handshakeTimeout: options.handshakeTimeout } : {}),
      // Passed on to node:http for the HTTP/1.1 connections (allowHTTP1).
      requestTimeout: 0,
      headersTimeout: options.headersTimeout,
      keepAliveTimeout: options.keepAliveTimeout,
      connectionsCheckingInterval: options.connectionsCheckingInterval,
      highWaterMark: options.highWaterMark,
    } as Parameters<typeof createSecureServer>[0],
    handler,
  );
  const sessions = new Set<Http2Session>();
  /** Requests in progress on each HTTP/2 connection (its open streams). */
  const open = new WeakMap<Http2Session, number>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A session error (a protocol error, a reset socket) ends that connection only; its
    // streams' 'close' tells their exchanges. Handled so that it is never thrown.
    session.on("error", () => undefined);
    if (options.keepAliveTimeout > 0) closeWhenIdle(session, options.keepAliveTimeout, open);
  });
  const http1: Http1Busy = new Map();
  server.on("secureConnection", (socket: TLSSocket) => {
    if (socket.alpnProtocol === "h2") return;
    http1.set(socket, 0);
    socket.once("close", () => http1.delete(socket));
  });
  server.on("request", (req: IncomingMessage | Http2ServerRequest, res: ServerResponse) => {
    if ("stream" in req) {
      const session = req.stream.session;
      if (session === undefined) return;
      open.set(session, (open.get(session) ?? 0) + 1);
      req.stream.once("close", () => open.set(session, (open.get(session) ?? 1) - 1));
      return;
    }
    const socket = req.socket as TLSSocket;
    http1.set(socket, (http1.get(socket) ?? 0) + 1);
    res.once("close", () => {
      if (http1.has(socket)) http1.set(socket, http1.get(socket)! - 1);
    });
  });
  // An upgraded connection (a WebSocket) is the WebSocket's now: ended by its process.
  server.on("upgrade", (_req: IncomingMessage, socket: TLSSocket) => http1.delete(socket));
  return {
    server,
    connections: {
      closeIdle() {
        for (const session of sessions) if (!session.closed) session.close();
        for (const [socket, busy] of http1) if (busy === 0) socket.destroySoon();
      },
      closeAll() {
        for (const session of sessions) session.destroy();
        for (const socket of http1.keys()) socket.destroy();
      },
    },
  };
}

/**
 * `keep-alive-timeout-ms` for an HTTP/2 connection: once it has had no frame for `ms` with no
 * stream open, it is sent GOAWAY and closed, as an idle HTTP/1.1 keep-alive connection is.
 * A connection whose streams are quiet (a live feed between events, a parked tail) is not
 * idle: the check is re-armed, and only an open connection with nothing in progress costs a
 * socket past the timeout.
 */
function closeWhenIdle(
  session: Http2Session,
  ms: number,
  open: WeakMap<Http2Session, number>,
): void {
  session.setTimeout(ms);
  session.on("timeout", () => {
    if (session.closed || session.destroyed) return;
    if ((open.get(session) ?? 0) === 0) session.close();
    else session.setTimeout(ms);
  });
}
