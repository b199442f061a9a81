/**
 * @module scripts/bench/lib/plain-fanout
 * The fan-out baseline's routes, served by plain-server.ts: what the `live-tail` guest and
 * rusm's broker do, in plain node:http.
 *
 * - `GET /tail/<topic>?hb=<ms>`: subscribes the response to `<topic>` and holds it as an event
 *   stream with the head rusm's `sse.open` sends (200, `content-type: text/event-stream`,
 *   `cache-control: no-cache`, chunked), flushed at once. Every message published on the topic
 *   is written as `data: <message>\n\n` (one `data:` line per line), encoded once per publish;
 *   after `hb` ms without one (default 15000), a `:\n` heartbeat. The subscription ends when
 *   the client leaves.
 * - `POST /publish/<topic>`: the body (UTF-8) is the message; it goes to every subscriber of the
 *   topic and the answer is `{"delivered":N}`, as rusm's admin `POST /publish/<topic>`.
 *
 * Back-pressure as in rusm's broker: while a subscriber's `write()` returns false its messages
 * wait in a mailbox of {@link MAILBOX} messages (rusm's `[broker] mailbox` default) until
 * `drain`; a message for a full mailbox drops the oldest queued one (rusm's `drop-oldest`),
 * counted in {@link fanoutStats}' `dropped`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Messages queued per subscriber while its socket is back-pressured (rusm's default). */
export const MAILBOX = 256;

const HEARTBEAT = Buffer.from(":\n");
const DEFAULT_HEARTBEAT_MS = 15_000;

interface Subscriber {
  readonly res: ServerResponse;
  /** Messages waiting for `drain`; null while `write()` accepts them. */
  queue: Buffer[] | null;
  readonly heartbeat: NodeJS.Timeout;
}

const topics = new Map<string, Set<Subscriber>>();
let subscribers = 0;
let dropped = 0;

/** Subscribers now, and messages dropped from full mailboxes so far. */
export function fanoutStats(): { subscribers: number; dropped: number } {
  return { subscribers, dropped };
}

function send(sub: Subscriber, event: Buffer): void {
  if (sub.queue !== null) {
    if (sub.queue.length >= MAILBOX) {
      sub.queue.shift();
      dropped++;
    }
    sub.queue.push(event);
    return;
  }
  sub.heartbeat.refresh();
  if (!sub.res.write(event)) sub.queue = [];
}

function drain(sub: Subscriber): void {
  const queue = sub.queue ?? [];
  sub.queue = null;
  for (let i = 0; i < queue.length; i++) {
    sub.heartbeat.refresh();
    if (!sub.res.write(queue[i]!)) {
      // write() said stop again: the rest waits for the next drain.
      sub.queue = queue.slice(i + 1);
      return;
    }
  }
}

/** `GET /tail/<topic>`: holds the response as a subscriber of `topic`. */
export function tail(req: IncomingMessage, res: ServerResponse, topic: string): void {
  const hb = /[?&]hb=(\d+)/.exec(req.url ?? "")?.[1];
  res.writeHead(200, ["content-type", "text/event-stream", "cache-control", "no-cache"]);
  res.flushHeaders();
  const heartbeat = setTimeout(
    () => {
      if (sub.queue === null && !res.write(HEARTBEAT)) sub.queue = [];
      heartbeat.refresh();
    },
    Number(hb ?? DEFAULT_HEARTBEAT_MS),
  );
  const sub: Subscriber = { res, queue: null, heartbeat };
  let set = topics.get(topic);
  if (set === undefined) topics.set(topic, (set = new Set()));
  set.add(sub);
  subscribers++;
  res.on("drain", () => drain(sub));
  res.once("close", () => {
    clearTimeout(heartbeat);
    subscribers--;
    set.delete(sub);
    if (set.size === 0) topics.delete(topic);
  });
}

/** `POST /publish/<topic>`: writes the body to every subscriber of `topic`. */
export function publish(req: IncomingMessage, res: ServerResponse, topic: string): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const message = Buffer.concat(chunks).toString("utf8");
    // One `data:` line per line of the message, as rusm's formatEvent.
    const lines = message.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
    const event = Buffer.from(`${lines.join("")}\n`);
    const set = topics.get(topic);
    for (const sub of set ?? []) send(sub, event);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`${JSON.stringify({ delivered: set?.size ?? 0 })}\n`);
  });
}
