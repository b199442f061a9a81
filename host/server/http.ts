/**
 * @module server/http
 * The public listener: each request is routed, then served by a fresh process of the route's
 * component. No route: 404. A path served under other methods: 405 with `Allow`. Plain HTTP/1.1,
 * or with `[serve] tls` HTTPS with HTTP/2 and HTTP/1.1 on the same port (server/secure-server.ts);
 * one code path serves both wires (server/wire.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Server, Socket } from "node:net";
import { Process } from "../process/process.ts";
import type { ProcessRegistry } from "../lifecycle/registry.ts";
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Router } from "../router/index.ts";
import { NodeExchange } from "./exchange.ts";
import type { RouteTarget } from "./targets.ts";
import type { Broker } from "../services/broker/index.ts";
import { threadRunQueue } from "../lifecycle/run-queue.ts";
import { connectionGate, OPEN_GATE } from "./connection-gate.ts";
import { createTlsServer, type Connections } from "./secure-server.ts";
import { exchanged, type Incoming, type Outgoing, type Wire } from "./wire.ts";
import { observerOf } from "./outbound-metrics.ts";
import type { SocketTimeouts } from "../config/types.ts";
import { shouldUpgrade, upgradeHandler, type WebSocketLimits } from "./ws-upgrade.ts";
import type { AccessLog } from "./access-log.ts";

export interface HttpDeps {
  readonly router: Router<RouteTarget>;
  readonly registry: ProcessRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly broker: Broker;
  /** Live exchanges (HTTP and WebSocket), for the buffered-bytes gauge. */
  readonly exchanges: Set<{ readonly buffered: number }>;
  /**
   * The sockets' high-water mark, in bytes: `[serve] body-buffer-kb`. What Node buffers for a
   * response before it says "wait" is then as small as the channel in front of it; a parked
   * stream holds ~3x body-buffer-kb in the host, not 64 KiB of Node's default on top.
   */
  readonly highWaterMark: number;
  /** Told the counts on each change (the watchdog's view of a worker, workers/). */
  readonly onLoad?: ((load: ServerLoad) => void) | undefined;
  /** `[serve]`'s socket timeouts for this listener. */
  readonly timeouts: SocketTimeouts;
  /** `[serve] max-in-flight`: processes this listener holds at once, queued or running. */
  readonly maxInFlight: number;
  /** `[serve] max-pipelined`: processes one connection runs at once. */
  readonly maxPipelined: number;
  /** `[serve]`'s WebSocket limits. */
  readonly websocket: WebSocketLimits;
  /** `[serve] tls`'s PEM texts: HTTPS with HTTP/2; null: plain HTTP/1.1. */
  readonly tls?: { readonly cert: string; readonly key: string } | null | undefined;
  /** `[serve] access-log`: one line per request (server/access-log.ts), or null. */
  readonly accessLog?: AccessLog | null | undefined;
}

/** What the listener's owner can change while it serves. */
export interface HttpControl {
  /**
   * Shutting down: a request that still arrives on an open connection is answered 503 with
   * `Connection: close` (its client retries elsewhere) instead of starting a process.
   */
  draining: boolean;
}

/** What a public listener holds now: what a worker's replacement would cut. */
export interface ServerLoad {
  /** Open client connections. */
  connections: number;
  /** Live processes started by its requests (those queued to start included). */
  processes: number;
}

/** The route label for requests that matched no route. */
const NO_ROUTE = "(none)";

function plain(
  res: Outgoing,
  status: number,
  text: string,
  headers: Record<string, string> = {},
  deps?: Pick<HttpDeps, "accessLog">,
): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(text);
  deps?.accessLog?.of(res)?.sent(Buffer.byteLength(text));
}

function observe(deps: HttpDeps, req: Incoming, res: Outgoing, route: string): void {
  deps.accessLog?.forResponse(req, res, route);
  const started = performance.now();
  res.once("close", () => {
    const status = res.headersSent ? String(res.statusCode) : "0";
    deps.metrics.requests.inc({ route, status });
    deps.metrics.requestDuration.observe({ route }, (performance.now() - started) / 1000);
  });
}

/** A request refused before any process: 503, with when to retry and whether to keep the connection. */
function refuse(
  deps: Pick<HttpDeps, "accessLog">,
  res: Outgoing,
  wire: Wire,
  why: string,
  close: boolean,
): void {
  if (close) wire.closeAfter();
  plain(res, 503, `${why}\n`, { "retry-after": "1" }, deps);
}

function handle(
  deps: HttpDeps & { load: ServerLoad; control: HttpControl },
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
): void {
  const { req, res, wire } = exchanged(request, response);
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  const match = deps.router.match(method, url);
  if (match.kind !== "found") {
    observe(deps, req, res, NO_ROUTE);
    if (match.kind === "method-not-allowed") {
      plain(
        res,
        405,
        `${method} is not allowed on ${url.split("?")[0]}\n`,
        {
          allow: match.allow.join(", "),
        },
        deps,
      );
    } else {
      plain(res, 404, `no route for ${method} ${url.split("?")[0]}\n`, {}, deps);
    }
    return;
  }
  const target = match.target;
  observe(deps, req, res, target.pattern);
  if (target.handler?.kind === "websocket") {
    // A WebSocket action's route without a handshake (RFC 9110 section 15.5.22).
    plain(
      res,
      426,
      `${url.split("?")[0]} is a WebSocket endpoint: connect with a WebSocket client\n`,
      // HTTP/2 has no Upgrade (nor Connection: RFC 9113 section 8.2.2): there it only says
      // which WebSocket version to speak, over HTTP/1.1.
      wire.version === "2"
        ? { "sec-websocket-version": "13" }
        : { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13" },
      deps,
    );
    return;
  }
  if (deps.control.draining) {
    refuse(deps, res, wire, "rusm is shutting down: retry on another node", true);
    return;
  }
  if (deps.load.processes >= deps.maxInFlight) {
    refuse(
      deps,
      res,
      wire,
      `rusm is at its max-in-flight (${deps.maxInFlight} requests on this worker)`,
      false,
    );
    return;
  }
  // HTTP/1.1 answers a connection's requests in order: they wait for each other. HTTP/2 streams
  // are independent, bounded per connection by SETTINGS_MAX_CONCURRENT_STREAMS instead.
  const gate =
    wire.pipeline === null ? OPEN_GATE : connectionGate(wire.pipeline, deps.maxPipelined);
  if (gate.full) {
    refuse(deps, res, wire, "too many pipelined requests waiting on this connection", true);
    return;
  }
  // Counted from now: a guest that never yields must already count as lost with it, and a
  // request waiting for its turn counts against max-in-flight.
  deps.load.processes++;
  deps.onLoad?.(deps.load);
  const finished = (): void => {
    deps.load.processes--;
    deps.onLoad?.(deps.load);
    gate.done();
  };
  // Started in order per connection (max-pipelined); a request waiting for its turn holds only
  // Node's req/res, not a process. Then through the run queue: a burst of requests
  // instantiates a bounded number of processes per event-loop turn.
  gate.admit(() => {
    if (wire.closed()) return finished(); // its client left while it waited
    if (deps.control.draining) {
      refuse(deps, res, wire, "rusm is shutting down: retry on another node", true);
      return finished();
    }
    const process = startProcess(deps, request, response, target, match.params);
    threadRunQueue().run(() => {
      // run() never rejects: every exit is settled and counted inside.
      void process
        .run()
        .then((exit) => deps.accessLog?.of(res)?.exited(exit.reason))
        .finally(finished);
    });
  });
}

/** The process that serves `req` (not yet running). */
function startProcess(
  deps: HttpDeps,
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  target: RouteTarget,
  params: Record<string, string>,
): Process {
  const access = deps.accessLog?.of(res);
  const exchange = new NodeExchange(req, res, (n) => {
    deps.metrics.bodyBytes.inc(n);
    access?.sent(n);
  });
  deps.exchanges.add(exchange);
  res.once("close", () => deps.exchanges.delete(exchange));
  const handler = target.handler;
  const process = new Process(
    deps.registry,
    target.component,
    exchange,
    deps.log,
    handler === null
      ? null
      : {
          module: handler.module,
          function: handler.function,
          params: Object.entries(params),
          route: target.pattern,
        },
    deps.broker,
    observerOf(deps.metrics),
  );
  // A route to a component by name has no handler target: its route, for the status page.
  process.route = target.pattern;
  access?.served(process.pid);
  return process;
}

/** How often Node checks the headers deadline: a quarter of it, between 50 ms and 1 s. */
function checkingIntervalMs(headersMs: number): number {
  return headersMs === 0 ? 1000 : Math.min(1000, Math.max(50, Math.floor(headersMs / 4)));
}

/**
 * Creates the public server (not yet listening), and what its owner may change while it serves.
 *
 * Socket timeouts (`[serve]`, per worker's listener; 0 turns one off), none of which can cut a
 * response, however long it streams:
 * - `first-byte-timeout-ms`: a new connection that stays silent that long is destroyed (an idle
 *   timer: every byte restarts it; cleared when its first request arrives).
 * - `headers-timeout-ms`: a request's whole head must arrive that long after its first byte (for
 *   a connection's first request, after the connection); else 408 and the connection closes
 *   (Node's `headersTimeout`, checked every quarter of it, at most every second).
 * - `keep-alive-timeout-ms`: a kept-alive connection idle that long after a response ended is
 *   closed (Node's `keepAliveTimeout`, advertised as `Keep-Alive: timeout=N`; Node waits 1 s
 *   more before closing, so a client reusing it at the last moment is not reset).
 * Node's `requestTimeout` stays 0: a request body may take as long as the guest reads it.
 */
export function createHttpServer(deps: HttpDeps): {
  server: Server;
  control: HttpControl;
  connections: Connections;
} {
  const control: HttpControl = { draining: false };
  const withLoad = { ...deps, load: { connections: 0, processes: 0 }, control };
  const { firstByteMs, headersMs, keepAliveMs } = deps.timeouts;
  if (deps.tls != null) {
    const { server, connections } = createTlsServer(
      {
        ...deps.tls,
        highWaterMark: deps.highWaterMark,
        headersTimeout: headersMs,
        keepAliveTimeout: keepAliveMs,
        connectionsCheckingInterval: checkingIntervalMs(headersMs),
        // Over TLS the first bytes are the handshake: first-byte-timeout-ms bounds it.
        handshakeTimeout: firstByteMs,
      },
      (req, res) => handle(withLoad, req, res),
    );
    // node:http2 hands every HTTP/1.1 request with an Upgrade header to 'upgrade' (it does not
    // honour shouldUpgradeCallback): one to a route that is not a WebSocket action is answered
    // there (404 "no WebSocket route here") instead of being served as HTTP.
    server.on("upgrade", upgradeHandler(withLoad));
    countConnections(server, withLoad.load, deps.onLoad);
    return { server, control, connections };
  }
  const server = createServer(
    {
      highWaterMark: deps.highWaterMark,
      // Streams may last as long as the connection: no deadline on a whole request.
      requestTimeout: 0,
      headersTimeout: headersMs,
      keepAliveTimeout: keepAliveMs,
      connectionsCheckingInterval: checkingIntervalMs(headersMs),
      // Only a handshake for a WebSocket action is an upgrade; any other request with an
      // Upgrade header (h2c, a handshake to an HTTP route) is served as HTTP.
      shouldUpgradeCallback: (req) => shouldUpgrade(deps, req),
    },
    (req, res) => handle(withLoad, req, res),
  );
  if (firstByteMs > 0) {
    // Node destroys a socket whose timeout fires (no 'timeout' listener on the server).
    server.on("connection", (socket: Socket) => socket.setTimeout(firstByteMs));
    // Its first request arrived: from here the headers deadline and keep-alive timeout apply,
    // and a response, streaming or not, is never cut for being idle. (For a later request,
    // Node has already cleared its keep-alive timer by now: the timeout is 0.)
    server.on("request", (req: IncomingMessage) => {
      if (req.socket.timeout === firstByteMs) req.socket.setTimeout(0);
    });
  }
  server.on("upgrade", upgradeHandler(withLoad));
  countConnections(server, withLoad.load, deps.onLoad);
  const connections: Connections = {
    closeIdle: () => server.closeIdleConnections(),
    closeAll: () => server.closeAllConnections(),
  };
  return { server, control, connections };
}

/** Tells `onLoad` the open (TCP) connections on each change. */
function countConnections(
  server: Server,
  load: ServerLoad,
  onLoad: ((load: ServerLoad) => void) | undefined,
): void {
  if (onLoad === undefined) return;
  server.on("connection", (socket: Socket) => {
    load.connections++;
    onLoad(load);
    socket.once("close", () => {
      load.connections--;
      onLoad(load);
    });
  });
}
