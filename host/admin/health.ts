/**
 * @module admin/health
 * The admin listener's probes, for load balancers and orchestrators (Kubernetes' liveness and
 * readiness probes, a systemd watchdog script). Neither needs the `[admin] token`: probes carry
 * no credentials, and neither reveals more than what is loading.
 *
 * - `GET /healthz`: `200 ok` whenever the node's event loop answers (the supervisor's thread;
 *   a stalled worker is the watchdog's business, and shows in `/readyz`).
 * - `GET /readyz`: `200 {"ready": true, ...}` when every worker thread listens, each having
 *   loaded every component; else `503 {"ready": false, "state": ..., "waiting": [...]}`:
 *   `state` is `starting` (the workers still load), `draining` (shutting down: it will not
 *   take new connections), or `degraded` (a worker the watchdog replaced does not listen yet),
 *   and `waiting` says what, one line each.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** What `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly state: "starting" | "serving" | "draining" | "degraded";
  /** Worker threads meant to serve, and those listening now. */
  readonly workers: { readonly expected: number; readonly listening: number };
  /** The components every listening worker has loaded. */
  readonly components: readonly string[];
  /** What is not ready yet, one line each (empty when ready). */
  readonly waiting: readonly string[];
}

/** Whether `path` is one of the probes (served without the admin token). */
export function isHealthPath(path: string): boolean {
  return path === "/healthz" || path === "/readyz";
}

/** Answers a probe: `/healthz` or `/readyz` (see the module). */
export function serveHealth(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  readiness: () => Readiness,
): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("use GET\n");
    return;
  }
  // Probes poll: their answers must never be cached on the way.
  const headers = { "cache-control": "no-store" };
  if (path === "/healthz") {
    res.writeHead(200, { ...headers, "content-type": "text/plain; charset=utf-8" });
    res.end("ok\n");
    return;
  }
  let now: Readiness;
  try {
    now = readiness();
  } catch (err) {
    // On purpose: a probe must answer, and an error here means not ready.
    now = {
      ready: false,
      state: "degraded",
      workers: { expected: 0, listening: 0 },
      components: [],
      waiting: [`readiness failed: ${String(err)}`],
    };
  }
  res.writeHead(now.ready ? 200 : 503, { ...headers, "content-type": "application/json" });
  res.end(`${JSON.stringify(now)}\n`);
}
