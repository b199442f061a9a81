/**
 * @module scripts/bench/outbound-proxy/plain-proxy
 * The baseline of the outbound-proxy bench: a plain node:http server that answers each request
 * by GETting the upstream given as `?u=` (a keep-alive agent, as rusm's pooled client) and
 * answering `<status> <body>`, the same bytes as rs-fetch's `api#get`.
 *
 *     node plain-proxy.ts   (prints "plain proxy listening on http://127.0.0.1:PORT")
 */
import { Agent, createServer, get } from "node:http";
import type { AddressInfo } from "node:net";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const server = createServer((req, res) => {
  const u = new URL(req.url ?? "/", "http://x").searchParams.get("u") ?? "";
  get(u, { agent }, (up) => {
    const chunks: Buffer[] = [];
    up.on("data", (c: Buffer) => chunks.push(c));
    up.on("end", () => {
      const body = `${up.statusCode} ${Buffer.concat(chunks).toString()}`;
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(body);
    });
  }).on("error", (err) => {
    res.writeHead(502).end(`error: ${err.message}\n`);
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`plain proxy listening on http://127.0.0.1:${port}\n`);
});
