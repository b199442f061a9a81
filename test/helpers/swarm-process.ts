/**
 * @module test/helpers/swarm-process
 * Many raw event-stream clients in a process of their own, so a test can kill them all at once
 * (a load balancer restarting) and keep its own event loop free. Started by swarm.ts with an
 * IPC channel:
 *
 *     node swarm-process.ts HOST PORT PATH
 *
 * Each client is a raw socket that sends `GET PATH` and reads the chunked event stream,
 * counting `data:` lines (heartbeats and comments are not counted). IPC requests:
 * `{ op: "open", n }` opens n more (at most 64 connecting at once) and answers
 * `{ op: "opened", total }` once every head arrived; `{ op: "report" }` answers
 * `{ op: "report", report }` (a {@link SwarmReport}).
 */
import { connect, type Socket } from "node:net";

/** What the clients saw. */
export interface SwarmReport {
  clients: number;
  /** Clients whose head arrived. */
  heads: number;
  /** Connections closed or failed. */
  closed: number;
  /** Fewest and most `data:` lines one client read. */
  minEvents: number;
  maxEvents: number;
}

const CONNECTING = 64;
const DATA = "\ndata: ";

interface Client {
  head: boolean;
  closed: boolean;
  events: number;
  /** The tail of the last read (a `data:` line split across reads). */
  tail: string;
}

const [host, portArg, path] = process.argv.slice(2) as [string, string, string];
const port = Number(portArg);
const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;
const clients: Client[] = [];
const sockets: Socket[] = [];

function count(client: Client, text: string): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(DATA, from);
    if (at === -1) break;
    client.events++;
    from = at + DATA.length;
  }
  client.tail = text.slice(Math.max(from, text.length - DATA.length + 1));
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const client: Client = { head: false, closed: false, events: 0, tail: "" };
    clients.push(client);
    const socket = connect(port, host, () => socket.write(request));
    sockets.push(socket);
    socket.on("data", (chunk: Buffer) => {
      const text = client.tail + chunk.toString("latin1");
      if (!client.head) {
        const end = text.indexOf("\r\n\r\n");
        if (end === -1) {
          client.tail = text;
          return;
        }
        if (!text.startsWith("HTTP/1.1 200")) {
          reject(new Error(`not a 200: ${text.slice(0, 80)}`));
          return;
        }
        client.head = true;
        resolve();
        count(client, `\n${text.slice(end + 4)}`);
        return;
      }
      count(client, text);
    });
    const closed = (): void => {
      client.closed = true;
      if (!client.head) reject(new Error("closed before its head"));
    };
    socket.on("close", closed);
    socket.on("error", () => undefined);
  });
}

async function openMany(n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await open();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTING, n) }, worker));
}

function report(): SwarmReport {
  let min = Infinity;
  let max = 0;
  for (const c of clients) {
    min = Math.min(min, c.events);
    max = Math.max(max, c.events);
  }
  return {
    clients: clients.length,
    heads: clients.filter((c) => c.head).length,
    closed: clients.filter((c) => c.closed).length,
    minEvents: clients.length === 0 ? 0 : min,
    maxEvents: max,
  };
}

process.on("message", (message: { op: string; n?: number }) => {
  if (message.op === "open") {
    openMany(message.n ?? 0).then(
      () => process.send?.({ op: "opened", total: clients.length }),
      (err: unknown) => process.send?.({ op: "error", message: String(err) }),
    );
  } else if (message.op === "report") {
    process.send?.({ op: "report", report: report() });
  }
});
process.send?.({ op: "ready" });
