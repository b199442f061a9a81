/**
 * @module scripts/bench/fanout/checks
 * What makes a fanout run valid: both servers answer the same bytes, every message reaches every
 * subscriber in order with nothing dropped, and nothing is left behind once the subscribers
 * leave (rusm: every process exited `disconnected`, no subscription left).
 */
import { num } from "../lib/report.ts";
import { sleep } from "../lib/proc.ts";
import { rawGet } from "../lib/wire.ts";
import { HEARTBEAT_MS } from "./message.ts";
import { startPublisher } from "./publisher.ts";
import type { Stage } from "./round.ts";
import type { FanoutServer } from "./servers.ts";

/** How long a server may take to count N subscriptions (or 0 once every client left), ms. */
const SETTLE_TIMEOUT_MS = 120_000;

/** Polls `value` until `want`, or throws after `timeoutMs`. */
export async function until(
  what: string,
  value: () => Promise<number>,
  want: number,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  let last = await value();
  while (last !== want) {
    if (performance.now() > end) {
      throw new Error(`${what}: ${last}, not ${want}, after ${timeoutMs} ms`);
    }
    await sleep(100);
    last = await value();
  }
}

/**
 * The raw response to `GET /tail/wire` with one message published once the head arrived: the
 * head (`Date` blanked) and the first chunk, for comparing both servers byte for byte.
 */
export async function wireSample(server: FanoutServer): Promise<string> {
  const publisher = startPublisher(server.publishUrl);
  const published: Array<Promise<number>> = [];
  try {
    const raw = await rawGet(server.url, `/tail/wire?hb=${HEARTBEAT_MS}`, 4096, 5000, (text) => {
      if (!text.includes("\r\n\r\n")) return false;
      if (published.length === 0) published.push(publisher.publish("wire", "wire check: héllo"));
      return text.endsWith("\n\n\r\n");
    });
    if (published.length === 0) throw new Error(`${server.name}: no head for GET /tail/wire`);
    const delivered = await Promise.all(published);
    if (delivered[0] !== 1) {
      throw new Error(`${server.name}: the wire check's publish reached ${delivered[0]}`);
    }
    return raw;
  } finally {
    publisher.close();
  }
}

/**
 * Validity at the end of a step: every message to every subscriber, in order, none dropped.
 * `bench` prefixes the errors.
 */
export async function checkDelivery(
  stage: Stage,
  errors: string[],
  bench = "fanout",
): Promise<void> {
  const { server, n } = stage;
  const report = await stage.subscribers.report();
  const where = `${bench} N=${num(n)} ${server.name}`;
  const problems: string[] = [];
  if (report.subscribers !== n) problems.push(`${report.subscribers} subscribers, not ${n}`);
  if (report.closed > 0) problems.push(`${report.closed} subscribers' sockets closed early`);
  if (report.minReceived !== stage.published || report.maxReceived !== stage.published) {
    problems.push(
      `subscribers received ${report.minReceived}-${report.maxReceived} of ${stage.published} messages`,
    );
  }
  if (report.disorder > 0) problems.push(`${report.disorder} messages out of order or unreadable`);
  if (report.incomplete > 0) problems.push(`${report.incomplete} messages reached only some`);
  if (stage.shortAnswers > 0) {
    problems.push(`${stage.shortAnswers} publish answers said delivered != ${n}`);
  }
  const dropped = await server.dropped();
  if (dropped > 0) problems.push(`${dropped} messages dropped from full mailboxes`);
  for (const p of problems) errors.push(`${where}: ${p}`);
}

/**
 * After the subscribers left: nothing may be left behind (rusm: every process exited) within
 * `timeoutMs`. `bench` prefixes the errors.
 */
export async function checkReleased(
  server: FanoutServer,
  n: number,
  errors: string[],
  timeoutMs = 30_000,
  bench = "fanout",
): Promise<void> {
  const where = `${bench} N=${num(n)} ${server.name}`;
  try {
    await until(
      `${server.name} live after the subscribers left`,
      () => server.live(),
      0,
      timeoutMs,
    );
    await until(`${server.name} subscriptions`, () => server.subscriptions(), 0, 5_000);
  } catch (err) {
    errors.push(`${where}: ${(err as Error).message}`);
  }
  const abnormal = await server.abnormalExits();
  const count = Object.values(abnormal).reduce((a, b) => a + b, 0);
  if (count > 0) {
    errors.push(
      `${where}: ${count} processes exited other than "disconnected" (${JSON.stringify(abnormal)})`,
    );
  }
}
