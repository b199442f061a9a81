/**
 * @module scripts/bench/fanout/subscriber-process
 * The fanout bench's subscribers, in a process of their own (started by subscribers.ts, with an
 * IPC channel and the hard fd limit):
 *
 *     node subscriber-process.ts HOST PORT PATH
 *
 * Each subscriber is a raw TCP socket (node:net) that sends `GET PATH`, expects a 200 head, and
 * reads the event stream: each `data: <seq> <sent-ns>` line (message.ts) is one delivery of
 * message `seq` (chunk-size lines and `:` heartbeats are skipped). Per subscriber, seqs must
 * arrive in order with no gap or repeat; per message, deliveries are counted and once every
 * subscriber has it the process sends `{ op: "complete", seq, firstNs, lastNs }`: when the
 * first and the last subscriber read it (`process.hrtime`, ns; one reading per socket read).
 *
 * IPC requests: `{ op: "open", n }` opens n more subscribers, at most {@link CONNECTING} at a
 * time, and answers `{ op: "opened", total }` once every head has arrived (or `{ op: "error" }`);
 * `{ op: "report" }` answers `{ op: "report", report }` (a {@link SubscriberReport}).
 *
 * Prints `subscribers ready` once listening for requests.
 */
import { connect, type Socket } from "node:net";
import { nowNs, seqAt } from "./message.ts";

/** What the subscribers saw, for the validity checks. */
export interface SubscriberReport {
  subscribers: number;
  /** Sockets closed or failed since they subscribed. */
  closed: number;
  /** Fewest and most messages one subscriber received. */
  minReceived: number;
  maxReceived: number;
  /** Messages that arrived out of order, repeated, after a gap, or unreadable (all subscribers). */
  disorder: number;
  /** Messages some but not all subscribers received. */
  incomplete: number;
}

/** Connections waiting for their head at once (the server's accept backlog is finite). */
const CONNECTING = 64;
const DATA = "data: ";

interface Subscriber {
  /** The seq expected next. */
  next: number;
  received: number;
  disorder: number;
  /** An incomplete line from the last read. */
  pending: string;
  head: boolean;
  closed: boolean;
}

interface Arrival {
  count: number;
  firstNs: number;
  lastNs: number;
}

const [host, portArg, path] = process.argv.slice(2) as [string, string, string];
const port = Number(portArg);
const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;
const subscribers: Subscriber[] = [];
const arrivals = new Map<number, Arrival>();
const sockets: Socket[] = [];

function deliver(sub: Subscriber, seq: number, now: number): void {
  if (seq !== sub.next) sub.disorder++;
  sub.next = seq + 1;
  sub.received++;
  if (Number.isNaN(seq)) return;
  let arrival = arrivals.get(seq);
  if (arrival === undefined) arrivals.set(seq, (arrival = { count: 0, firstNs: now, lastNs: now }));
  arrival.count++;
  arrival.lastNs = now;
  if (arrival.count === subscribers.length) {
    arrivals.delete(seq);
    process.send?.({ op: "complete", seq, firstNs: arrival.firstNs, lastNs: arrival.lastNs });
  }
}

/** Reads the events in `text`, keeping an incomplete last line for the next read. */
function read(sub: Subscriber, text: string, now: number): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(DATA, from);
    if (at === -1) {
      sub.pending = text.slice(Math.max(from, text.length - DATA.length));
      return;
    }
    const eol = text.indexOf("\n", at);
    if (eol === -1) {
      sub.pending = text.slice(at);
      return;
    }
    deliver(sub, seqAt(text, at + DATA.length), now);
    from = eol + 1;
  }
}

/** Opens one subscriber; resolves once its 200 head has arrived. */
function subscribe(): Promise<void> {
  return new Promise((resolve, reject) => {
    const sub: Subscriber = {
      next: 0,
      received: 0,
      disorder: 0,
      pending: "",
      head: false,
      closed: false,
    };
    const socket = connect(port, host, () => socket.write(request));
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const now = nowNs();
      let text = sub.pending + chunk.toString("latin1");
      if (!sub.head) {
        const end = text.indexOf("\r\n\r\n");
        if (end === -1) {
          sub.pending = text;
          return;
        }
        if (!text.startsWith("HTTP/1.1 200 ")) {
          socket.destroy();
          reject(new Error(`${path}: ${text.slice(0, text.indexOf("\r\n"))}`));
          return;
        }
        sub.head = true;
        subscribers.push(sub);
        resolve();
        text = text.slice(end + 4);
      }
      read(sub, text, now);
    });
    const gone = (err?: Error): void => {
      if (sub.closed) return;
      sub.closed = true;
      if (!sub.head) reject(err ?? new Error(`${path}: closed before the head`));
    };
    socket.on("error", gone);
    socket.on("close", () => gone());
  });
}

async function open(n: number): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      await subscribe();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTING, n) }, worker));
}

function report(): SubscriberReport {
  const received = subscribers.map((s) => s.received);
  return {
    subscribers: subscribers.length,
    closed: subscribers.filter((s) => s.closed).length,
    minReceived: received.length > 0 ? Math.min(...received) : 0,
    maxReceived: received.length > 0 ? Math.max(...received) : 0,
    disorder: subscribers.reduce((sum, s) => sum + s.disorder, 0),
    incomplete: arrivals.size,
  };
}

process.on("message", (message: { op: string; n?: number }) => {
  if (message.op === "open") {
    open(message.n ?? 0).then(
      () => process.send?.({ op: "opened", total: subscribers.length }),
      (err: unknown) =>
        process.send?.({
          op: "error",
          message: `after ${subscribers.length} subscribers: ${(err as Error).message}`,
        }),
    );
  } else if (message.op === "report") {
    process.send?.({ op: "report", report: report() });
  }
});
process.stdout.write("subscribers ready\n");
