/**
 * @module server/admin
 * The admin listener: `GET /metrics` in Prometheus text. Meant for a private address.
 */
import { createServer, type Server } from "node:http";
import type { Metrics } from "../metrics/index.ts";

/** Creates the admin server (not yet listening). */
export function createAdminServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("rusm admin: GET /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("use GET\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`metrics failed: ${String(err)}\n`);
      },
    );
  });
}
