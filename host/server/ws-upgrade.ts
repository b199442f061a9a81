/**
 * @module server/ws-upgrade
 * Upgrade requests to a WebSocket route: each valid one is served by a fresh process of the
 * route's component, for the connection's whole life, counted against `max-in-flight` as any
 * request. An invalid handshake is answered (400, or 426 for a version) before any process.
 */
import { observerOf } from "./outbound-metrics.ts";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { Process } from "../process/process.ts";
import { threadRunQueue } from "../lifecycle/run-queue.ts";
import type { ProcessRegistry } from "../lifecycle/registry.ts";
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Router } from "../router/index.ts";
import type { Broker } from "../services/broker/index.ts";
import type { RouteTarget } from "./targets.ts";
import { WsExchange, type WsHandshake } from "./ws-exchange.ts";
import { checkHandshake, createWsServer, rawResponse, wantsWebSocket } from "./ws-handshake.ts";
import type { AccessLog } from "./access-log.ts";

/** `[serve]`'s WebSocket limits. */
export interface WebSocketLimits {
  /** `max-message-kb`, in bytes. */
  readonly maxMessageBytes: number;
  /** `ping-timeout-ms`; 0: no pings. */
  readonly pingTimeoutMs: number;
}

/** What the upgrade path needs of the listener (server/http.ts's deps, load and control). */
export interface UpgradeDeps {
  readonly router: Router<RouteTarget>;
  readonly registry: ProcessRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly broker: Broker;
  readonly exchanges: Set<{ readonly buffered: number }>;
  readonly maxInFlight: number;
  readonly websocket: WebSocketLimits;
  readonly onLoad?: ((load: { connections: number; processes: number }) => void) | undefined;
  readonly load: { connections: number; processes: number };
  readonly control: { readonly draining: boolean };
  /** `[serve] access-log` (server/access-log.ts), or null. */
  readonly accessLog?: AccessLog | null | undefined;
}

/** A WebSocket action's route and the request's params in it. */
interface WsRoute {
  readonly target: RouteTarget;
  readonly params: Record<string, string>;
}

/** The route `req` goes to when it is a WebSocket action's; else null. */
export function webSocketRoute(
  deps: Pick<UpgradeDeps, "router">,
  req: IncomingMessage,
): WsRoute | null {
  const match = deps.router.match(req.method ?? "GET", req.url ?? "/");
  if (match.kind !== "found" || match.target.handler?.kind !== "websocket") return null;
  return { target: match.target, params: match.params };
}

/** Whether node:http should hand `req` to the upgrade handler (a handshake for a ws route). */
export function shouldUpgrade(deps: Pick<UpgradeDeps, "router">, req: IncomingMessage): boolean {
  return wantsWebSocket(req) && webSocketRoute(deps, req) !== null;
}

/** Makes the handler of the server's `upgrade` events. */
export function upgradeHandler(
  deps: UpgradeDeps,
): (req: IncomingMessage, socket: Socket, head: Buffer) => void {
  const chosen = new WeakMap<IncomingMessage, string | null>();
  const handshake: WsHandshake = {
    server: createWsServer(deps.websocket.maxMessageBytes, chosen),
    chosen,
  };
  return (req, socket, head) => {
    // The connection's first request arrived: no first-byte timeout (http.ts), nor any idle
    // timeout on a socket that lives as long as its WebSocket (pings watch it instead).
    socket.setTimeout(0);
    socket.setNoDelay(true);
    const route = webSocketRoute(deps, req);
    const target = route?.target ?? null;
    const access = deps.accessLog?.begin(req, target?.pattern ?? "(none)");
    // A WebSocket's line ends with its socket: `bytes` is all that was written on it.
    socket.once("close", () => access?.ended(undefined, socket.bytesWritten));
    const refusal = checkHandshake(req);
    if (route === null || target === null || refusal !== null) {
      const why = refusal ?? { status: 404, message: "no WebSocket route here" };
      rawResponse(socket, why.status, why.message, why.headers);
      deps.metrics.requests.inc({ route: target?.pattern ?? "(none)", status: String(why.status) });
      access?.status(why.status);
      return;
    }
    if (deps.control.draining) {
      rawResponse(socket, 503, "rusm is shutting down: retry on another node", [
        ["retry-after", "1"],
      ]);
      deps.metrics.requests.inc({ route: target.pattern, status: "503" });
      access?.status(503);
      return;
    }
    if (deps.load.processes >= deps.maxInFlight) {
      rawResponse(
        socket,
        503,
        `rusm is at its max-in-flight (${deps.maxInFlight} requests on this worker)`,
        [["retry-after", "1"]],
      );
      deps.metrics.requests.inc({ route: target.pattern, status: "503" });
      access?.status(503);
      return;
    }
    deps.load.processes++;
    deps.onLoad?.(deps.load);
    const exchange = new WsExchange(
      req,
      socket,
      head,
      handshake,
      {
        bufferBytes: target.component.bodyBufferBytes,
        pingTimeoutMs: deps.websocket.pingTimeoutMs,
      },
      deps.metrics,
      () => {
        deps.metrics.requests.inc({ route: target.pattern, status: "101" });
        access?.status(101);
      },
    );
    deps.exchanges.add(exchange);
    const handler = target.handler!;
    const process = new Process(
      deps.registry,
      target.component,
      exchange,
      deps.log,
      {
        module: handler.module,
        function: handler.function,
        params: Object.entries(route.params),
        route: target.pattern,
      },
      deps.broker,
      observerOf(deps.metrics),
      exchange,
    );
    access?.served(process.pid);
    threadRunQueue().run(() => {
      // run() never rejects: every exit is settled and counted inside.
      void process
        .run()
        .then((exit) => access?.exited(exit.reason))
        .finally(() => {
          deps.exchanges.delete(exchange);
          deps.load.processes--;
          deps.onLoad?.(deps.load);
        });
    });
  };
}
