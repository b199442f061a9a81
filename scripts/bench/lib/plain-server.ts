/**
 * @module scripts/bench/lib/plain-server
 * The baseline: a plain `node:http` server doing the work of the bench guests, byte for byte,
 * run as its own process (`node plain-server.ts`, started by plain.ts).
 *
 * - `GET /`: what `http-hello` answers through rusm. rusm's exchange does `writeHead` with the
 *   guest's headers, `flushHeaders()`, one `write()` per guest write, `end()`: so does this.
 *   Same status, headers (`content-type: text/plain`, chunked) and body (`hello from wat\n`).
 * - `GET /sm`: what `sm-hello` (StarlingMonkey) answers through rusm: StarlingMonkey declares
 *   the body's length, which rusm honours (no chunking): `content-length: 26`, then
 *   `hello from starlingmonkey\n`.
 * - `GET /ts`: what `ts-hello` answers through rusm on either engine: `content-length: 22`, then
 *   `hello from typescript\n`.
 * - `GET /sse`: what `sse-endless` streams: `content-type: text/event-stream`, head flushed,
 *   then `data: tick N\n\n` for N = 0, 1, ... one `write()` per event, awaiting `drain` whenever
 *   `write()` returns false (back-pressure), until the client goes away.
 * - `GET /tail/<topic>`, `POST /publish/<topic>`: the pub/sub fan-out of `live-tail` and rusm's
 *   broker (plain-fanout.ts).
 *
 * IPC: the message `"stats"` is answered with `{ streams, waiting, bytes, buffered, subscribers,
 * dropped }`: open `/sse` responses, how many of them wait for `drain` (the baseline's
 * "parked"), the SSE bytes written so far, the bytes the open responses still buffer
 * (`writableLength`, as rusm counts them), open `/tail` subscribers and fan-out messages dropped
 * from full mailboxes.
 *
 * Prints `plain listening on http://HOST:PORT` once listening.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fanoutStats, publish, tail } from "./plain-fanout.ts";

const HELLO = Buffer.from("hello from wat\n");
const SM_HELLO = Buffer.from("hello from starlingmonkey\n");
const TS_HELLO = Buffer.from("hello from typescript\n");
const open = new Set<ServerResponse>();
let waiting = 0;
let bytes = 0;

function hello(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, ["content-type", "text/plain"]);
  res.flushHeaders();
  res.write(body);
  res.end();
}

async function sse(res: ServerResponse): Promise<void> {
  res.writeHead(200, ["content-type", "text/event-stream"]);
  res.flushHeaders();
  open.add(res);
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
    open.delete(res);
    onWake();
  });
  for (let n = 0; !gone; n++) {
    const event = Buffer.from(`data: tick ${n}\n\n`);
    bytes += event.length;
    if (!res.write(event)) {
      waiting++;
      await new Promise<void>((resolve) => (wake = resolve));
      waiting--;
    }
  }
}

/** The topic of `/<prefix>/<topic>`, or null for another path. */
function topicOf(path: string, prefix: string): string | null {
  if (!path.startsWith(prefix)) return null;
  const raw = path.slice(prefix.length).split("?")[0]!;
  try {
    return raw === "" || raw.includes("/") ? null : decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const server = createServer((req, res) => {
  const path = req.url ?? "/";
  const tailTopic = req.method === "GET" ? topicOf(path, "/tail/") : null;
  const publishTopic = req.method === "POST" ? topicOf(path, "/publish/") : null;
  if (req.method === "GET" && path === "/") hello(res, HELLO);
  else if (req.method === "GET" && (path === "/sm" || path === "/ts")) {
    const body = path === "/sm" ? SM_HELLO : TS_HELLO;
    res.writeHead(200, ["content-type", "text/plain", "content-length", String(body.length)]);
    res.end(body);
  } else if (req.method === "GET" && path === "/sse") void sse(res);
  else if (tailTopic !== null) tail(req, res, tailTopic);
  else if (publishTopic !== null) publish(req, res, publishTopic);
  else {
    res.writeHead(404);
    res.end();
  }
});
// As rusm: streams may last as long as the connection.
server.requestTimeout = 0;

process.on("message", (message) => {
  if (message !== "stats") return;
  let buffered = 0;
  for (const res of open) buffered += res.writableLength;
  process.send?.({ streams: open.size, waiting, bytes, buffered, ...fanoutStats() });
});
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

const port = Number(process.argv[2] ?? 0);
server.listen({ host: "127.0.0.1", port }, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(`plain listening on http://127.0.0.1:${address.port}\n`);
});
