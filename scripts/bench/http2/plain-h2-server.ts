/**
 * @module scripts/bench/http2/plain-h2-server
 * The baseline of the http2 bench: a plain node:http2 TLS server (`allowHTTP1`, as rusm's)
 * with `GET /sse` writing what `sse-endless` writes, `data: tick N\n\n` from 0, one `write()`
 * per event, awaiting `drain` when `write()` returns false (per-stream back-pressure).
 * Prints `plain-h2 listening on https://127.0.0.1:<port>`.
 *
 *     node plain-h2-server.ts <cert.pem> <key.pem>
 */
import { readFileSync } from "node:fs";
import { createSecureServer, type Http2ServerResponse } from "node:http2";

const [certFile, keyFile] = process.argv.slice(2);
if (certFile === undefined || keyFile === undefined) {
  process.stderr.write("usage: plain-h2-server.ts <cert.pem> <key.pem>\n");
  process.exit(2);
}

async function sse(res: Http2ServerResponse): Promise<void> {
  res.writeHead(200, ["content-type", "text/event-stream"]);
  let gone = false;
  let wake: (() => void) | null = null;
  const onWake = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  res.on("drain", onWake);
  res.once("close", () => {
    gone = true;
    onWake();
  });
  for (let n = 0; !gone; n++) {
    if (!res.write(Buffer.from(`data: tick ${n}\n\n`))) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}

const server = createSecureServer(
  { cert: readFileSync(certFile), key: readFileSync(keyFile), allowHTTP1: true },
  (req, res) => {
    if (req.method === "GET" && req.url === "/sse") {
      void sse(res);
      return;
    }
    res.writeHead(404);
    res.end();
  },
);
server.on("session", (session) => session.on("error", () => undefined));
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`plain-h2 listening on https://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
