/**
 * @module test/helpers/upstream
 * A real node:http upstream on 127.0.0.1 for outbound tests: JSON, an echo that streams a POST
 * back, a big body written only as fast as its reader takes it (it counts what it wrote), a
 * body that dies midway, a server that never answers, one that stalls after a first chunk,
 * and an endless event stream. It records each request's connection ending, so a test can see
 * that rusm closed it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Upstream {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** Bytes the `/big` handler has handed to its socket (back-pressure respected). */
  bigWritten(): number;
  /** Requests received, by path. */
  hits(path: string): number;
  /** Requests of `path` whose connection closed before their response ended. */
  cutShort(path: string): number;
  /** Requests of `path` still open (not ended, not closed). */
  open(path: string): number;
  /** Bytes of the last POST /echo body. */
  lastEchoBytes(): number;
  close(): Promise<void>;
}

const BIG_CHUNK = Buffer.alloc(16 * 1024, 0x61);

export async function startUpstream(): Promise<Upstream> {
  const hits = new Map<string, number>();
  const cut = new Map<string, number>();
  const open = new Map<string, number>();
  let bigWritten = 0;
  let lastEchoBytes = 0;
  const add = (m: Map<string, number>, k: string, n: number): void => {
    m.set(k, (m.get(k) ?? 0) + n);
  };

  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "/json": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ hello: "world", n: 42 }));
    },
    "/echo": (req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      lastEchoBytes = 0;
      req.on("data", (chunk: Buffer) => {
        lastEchoBytes += chunk.length;
      });
      req.pipe(res);
    },
    "/big": (_req, res) => {
      // 64 MiB, written only when the socket takes it.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      let left = 64 * 1024 * 1024;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          left -= BIG_CHUNK.length;
          bigWritten += BIG_CHUNK.length;
          if (!res.write(BIG_CHUNK)) return void res.once("drain", pump);
        }
        if (left <= 0) res.end();
      };
      pump();
    },
    "/die": (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("the first part\n");
      setTimeout(() => res.socket?.destroy(), 100);
    },
    "/hang": () => {
      // Never answers.
    },
    "/stall": (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("one chunk, then nothing\n");
    },
    "/sse": (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      let n = 0;
      const timer = setInterval(() => res.write(`data: tick ${n++}\n\n`), 20);
      res.once("close", () => clearInterval(timer));
      const query = new URL(_req.url ?? "/", "http://x").searchParams;
      const limit = Number(query.get("n") ?? "0");
      const dieAfter = Number(query.get("die") ?? "0");
      if (dieAfter > 0) {
        const check = setInterval(() => {
          if (n >= dieAfter) {
            clearInterval(check);
            clearInterval(timer);
            res.socket?.destroy();
          }
        }, 5);
      }
      if (limit > 0) {
        const check = setInterval(() => {
          if (n >= limit) {
            clearInterval(check);
            clearInterval(timer);
            res.end();
          }
        }, 5);
      }
    },
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    add(hits, path, 1);
    add(open, path, 1);
    let settled = false;
    const done = (wasCut: boolean): void => {
      if (settled) return;
      settled = true;
      add(open, path, -1);
      if (wasCut) add(cut, path, 1);
    };
    res.once("finish", () => done(false));
    res.once("close", () => done(!res.writableFinished));
    const handler = handlers[path];
    if (handler === undefined) {
      res.writeHead(404).end("no such path\n");
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    bigWritten: () => bigWritten,
    hits: (p) => hits.get(p) ?? 0,
    cutShort: (p) => cut.get(p) ?? 0,
    open: (p) => open.get(p) ?? 0,
    lastEchoBytes: () => lastEchoBytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
