/**
 * @module admin/server
 * The admin listener, meant for a private address:
 *
 * - `GET /healthz`, `GET /readyz`: the probes (admin/health.ts), open without the token.
 * - `GET /metrics`: Prometheus text (under `rusm serve`: every worker thread's, summed, see
 *   workers/metrics.ts).
 * - `POST /publish/<topic>`: publishes the request body (UTF-8 text, at most
 *   {@link MAX_PUBLISH_BYTES}) on `<topic>` through this node's broker: every worker thread's
 *   subscribers (workers/hub.ts), and every node sharing its Redis. Answers
 *   `200 {"delivered": N}`, N being the subscribers reached on this node, all workers summed
 *   (with Redis: `{"delivered": N, "forwarded": true}`, false when Redis is unreachable; other
 *   nodes' subscribers are not counted); `400 {"error": …}` for a bad topic, `413` for a body
 *   too large. With `[admin] token`, it needs `Authorization: Bearer <token>` (compared in
 *   constant time): `401 {"error": …}` without it or with another token.
 * - `GET /`, `GET /status.json`, `GET /status/events`: the live status page, its snapshot and
 *   its stream (admin/status.ts); with `[admin] token`, they need it too.
 *
 * The listener is meant for a loopback address: config/schema refuses any other unless
 * `allow-public = true`, and {@link publicAdminWarning} is what the node then logs once.
 *
 * The listener serves an {@link AdminSource}: one server's own metrics and broker
 * ({@link localAdmin}), or the supervisor's view of all its workers.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { isLoopback, type AdminConfig } from "../config/index.ts";
import type { ProcessRegistry } from "../lifecycle/registry.ts";
import type { Metrics } from "../metrics/index.ts";
import { TopicError, type Broker, type Published } from "../services/broker/index.ts";
import { isHealthPath, serveHealth, type Readiness } from "./health.ts";
import { STATUS_PATHS, StatusRoutes } from "./status.ts";
import { ExitWindow } from "./exit-window.ts";
import { mergeStatus, serverStatus, type StatusSnapshot } from "./status-snapshot.ts";

/** What the admin listener serves. */
export interface AdminSource {
  /** The Prometheus text and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Publishes on this node. Throws (or rejects with) a TopicError for a bad topic. */
  publish(topic: string, data: string): Published | Promise<Published>;
  /** What `GET /readyz` says (admin/health.ts); absent: ready once listening. */
  readiness?(): Readiness;
  /** The node's status now (admin/status-snapshot.ts). */
  status(): Promise<StatusSnapshot>;
  /** Stops what it runs for the listener (called when the listener closes). */
  close?(): void;
}

/** A source with no readiness of its own: ready as soon as its admin listener answers. */
const alwaysReady = (): Readiness => ({
  ready: true,
  state: "serving",
  workers: { expected: 1, listening: 1 },
  components: [],
  waiting: [],
});

/** How often the exits' rolling window samples the exit counts. */
export const EXIT_SAMPLE_MS = 1_000;

/** One server's own metrics, broker and processes. */
export function localAdmin(
  metrics: Metrics,
  broker: Broker,
  registry: ProcessRegistry,
): AdminSource {
  const startedAt = Date.now();
  const window = new ExitWindow();
  const totals = (): Record<string, number> => Object.fromEntries(registry.exits());
  window.sample(totals());
  const sampler = setInterval(() => window.sample(totals()), EXIT_SAMPLE_MS).unref();
  return {
    metrics: async () => ({
      contentType: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }),
    publish: (topic, data) => broker.publish(topic, data),
    status: () => {
      window.sample(totals());
      const snapshot = mergeStatus([{ worker: 0, status: serverStatus(registry, broker) }], {
        startedAt,
        exitsByMinute: window.minutes(),
        exitsTotal: totals(),
        workers: [],
        watchdogRestarts: {},
      });
      return Promise.resolve(snapshot);
    },
    close: () => clearInterval(sampler),
  };
}

/** The largest message `POST /publish` takes. */
export const MAX_PUBLISH_BYTES = 1024 * 1024;

const USAGE =
  "rusm admin: GET / (the status page), GET /status.json, GET /status/events, GET /metrics, GET /healthz, GET /readyz, POST /publish/<topic> (the body is the message)\n";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}

function text(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

function serveMetrics(source: AdminSource, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    text(res, 405, "use GET\n", { allow: "GET, HEAD" });
    return;
  }
  source.metrics().then(
    ({ contentType, body }) => {
      res.writeHead(200, { "content-type": contentType });
      res.end(body);
    },
    (err: unknown) => text(res, 500, `metrics failed: ${String(err)}\n`),
  );
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

/**
 * Whether `req` carries `Authorization: Bearer <token>`; answers 401 when not. Both sides are
 * hashed first, so the comparison takes the same time whatever the length and the first
 * differing byte of what was sent.
 */
function authorized(token: Buffer, req: IncomingMessage, res: ServerResponse): boolean {
  const header = req.headers.authorization;
  const sent = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (sent != null && timingSafeEqual(sha256(sent), token)) return true;
  // The body is not read: drained, so that the connection can take another request.
  req.resume();
  res.setHeader("www-authenticate", `Bearer realm="rusm admin"`);
  json(res, 401, {
    error:
      sent == null
        ? "POST /publish needs an Authorization: Bearer <token> header ([admin] token)"
        : "the bearer token does not match [admin] token",
  });
  return false;
}

function servePublish(
  source: AdminSource,
  rawTopic: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  if (req.method !== "POST") {
    text(res, 405, "use POST, with the message as the body\n", { allow: "POST" });
    return;
  }
  let topic: string;
  try {
    topic = decodeURIComponent(rawTopic);
  } catch {
    json(res, 400, { error: `the topic "${rawTopic}" is not valid percent-encoding` });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_PUBLISH_BYTES) {
      if (!tooLarge) {
        tooLarge = true;
        json(res, 413, { error: `a message is at most ${MAX_PUBLISH_BYTES} bytes` });
        req.resume();
      }
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (tooLarge) return;
    // A sync throw and a rejection end the same way.
    Promise.resolve()
      .then(() => source.publish(topic, Buffer.concat(chunks).toString("utf8")))
      .then(
        ({ delivered, forwarded }) =>
          // With a backend (Redis), also whether the message went to the other nodes.
          json(res, 200, forwarded === null ? { delivered } : { delivered, forwarded }),
        (err: unknown) => {
          if (err instanceof TopicError) json(res, 400, { error: err.message });
          else text(res, 500, `publish failed: ${String(err)}\n`);
        },
      );
  });
}

/**
 * Creates the admin server (not yet listening). `admin.token`, when set, is required by
 * `POST /publish` and the status routes (`GET /metrics` stays open).
 */
export function createAdminServer(source: AdminSource, admin: Pick<AdminConfig, "token">): Server {
  const token = admin.token === null ? null : sha256(admin.token);
  const status = new StatusRoutes(() => source.status(), token);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (isHealthPath(path)) {
      serveHealth(path, req, res, () => source.readiness?.() ?? alwaysReady());
    } else if (STATUS_PATHS.has(path)) {
      status.serve(path, req, res);
    } else if (path === "/metrics") {
      serveMetrics(source, req, res);
    } else if (path.startsWith("/publish/")) {
      if (token !== null && !authorized(token, req, res)) return;
      servePublish(source, path.slice("/publish/".length), req, res);
    } else {
      text(res, 404, USAGE);
    }
  });
  server.once("close", () => {
    status.close();
    source.close?.();
  });
  return server;
}

/**
 * The warning a node logs once when its admin listener is allowed on a non-loopback address
 * (`allow-public = true`), or null on a loopback one.
 */
export function publicAdminWarning(admin: AdminConfig): string | null {
  if (isLoopback(admin.listen)) return null;
  const publish =
    admin.token === null
      ? "so are POST /publish and the status page (no [admin] token): anyone who reaches it can publish and see the processes"
      : "POST /publish and the status page need the [admin] token";
  return `the admin listener is on a non-loopback address (allow-public = true): GET /metrics is open to anyone who can reach it, ${publish}`;
}
