/**
 * @module scripts/bench/parked/side
 * One side of the parked bench, on a server that already answered the wire checks: open N
 * `live-tail` streams from a subscriber process, wait until the server counts N parked, read its
 * RSS, then while they stay parked time hello requests on the same server and one publish to
 * all N; last, check every stream got the message exactly once and that nothing is left once
 * the subscribers leave.
 */
import { checkDelivery, checkReleased, until } from "../fanout/checks.ts";
import { HEARTBEAT_MS, messageText, nowNs, TOPIC } from "../fanout/message.ts";
import { startPublisher } from "../fanout/publisher.ts";
import type { Stage } from "../fanout/round.ts";
import type { FanoutServer } from "../fanout/servers.ts";
import { startSubscribers } from "../fanout/subscribers.ts";
import { load, type LoadResult } from "../lib/load.ts";
import { rssKiB, sleep, vmSizeKiB } from "../lib/proc.ts";
import { CONNECTIONS, describeLoad } from "../lib/rate.ts";
import { num, type BenchOptions } from "../lib/report.ts";

/** What the subscribers ask for: the heartbeat is longer than a run, so none is sent. */
export const TAIL_PATH = `/tail/${TOPIC}?hb=${HEARTBEAT_MS}`;

/** How long the message may take to reach all N, ms (then the run is invalid). */
const DELIVERY_TIMEOUT_MS = 120_000;
/** How long N streams may take to be released once their client left, ms. */
const RELEASE_TIMEOUT_MS = 180_000;

export interface SideResult {
  /** Streams parked. */
  n: number;
  /** From the first connection to N counted parked. */
  parkSeconds: number;
  /** VmRSS before the first stream and with N parked, KiB. */
  rssBeforeKiB: number;
  rssKiB: number;
  /** (rssKiB - rssBeforeKiB) / n. */
  perStreamKiB: number;
  /** A short autocannon run on `GET /` while the N stay parked. */
  hello: LoadResult;
  /** From just before `POST /publish` until the first and the last of the N read it, ms. */
  firstDeliveryMs: number;
  lastDeliveryMs: number;
}

/** Resolves with `work`, or rejects as soon as the server exits or passes `rssLimitKiB`. */
async function watched<T>(server: FanoutServer, rssLimitKiB: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    void server.child.exited.then(() =>
      reject(
        new Error(`${server.name} exited (${server.child.exitStatus()})\n${server.child.tail()}`),
      ),
    );
    timer = setInterval(() => {
      if (server.child.exitStatus() !== null) return; // the exit above says so
      const rss = rssKiB(server.child.pid);
      if (rss <= rssLimitKiB) return;
      reject(new Error(`${server.name}: RSS ${num(rss / 1024)} MiB passed --rss-limit-mb`));
      void server.stop();
    }, 1000);
  });
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearInterval(timer);
  }
}

/** The server's memory and last output lines when a side failed (a hint at why). */
async function stateOf(server: FanoutServer): Promise<string> {
  await sleep(500); // rusm's log lines are written asynchronously
  const lines = server.child.tail().trimEnd().split("\n").slice(-3);
  const out = [`  ${server.name}'s last output:`, ...lines.map((l) => `    ${l}`)];
  if (server.child.exitStatus() === null) {
    try {
      const [rss, vm] = [rssKiB(server.child.pid), vmSizeKiB(server.child.pid)];
      out.unshift(
        `  ${server.name} then: VmRSS ${num(rss / 1024)} MiB, VmSize ${num(vm / 1024 ** 3, 1)} TiB (a 47-bit user address space holds 128 TiB)`,
      );
    } catch {
      // Swallowed on purpose: it exited meanwhile; its output says why.
    }
  }
  return `\n${out.join("\n")}`;
}

export async function measureSide(
  server: FanoutServer,
  n: number,
  fdLimit: number,
  options: BenchOptions,
  errors: string[],
): Promise<SideResult> {
  const log = options.log;
  const name = server.name;
  const limitKiB = options.rssLimitMb * 1024;
  await until(`${name} live`, () => server.live(), 0);
  await sleep(1000);
  const rssBeforeKiB = rssKiB(server.child.pid);

  const started = performance.now();
  const subscribers = await startSubscribers(server.url, TAIL_PATH, fdLimit);
  const publisher = startPublisher(server.publishUrl);
  const stage: Stage = { server, subscribers, publisher, n, published: 0, shortAnswers: 0 };
  try {
    const opened = await watched(server, limitKiB, subscribers.open(n));
    if (opened !== n) throw new Error(`${name}: ${opened} streams opened, not ${n}`);
    const openSeconds = (performance.now() - started) / 1000;
    const parkTimeoutMs = options.parkTimeoutSeconds * 1000;
    await watched(
      server,
      limitKiB,
      until(`${name} parked`, () => server.parked(), n, parkTimeoutMs),
    );
    const parkSeconds = (performance.now() - started) / 1000;
    log(
      `  ${name}: ${num(n)} streams open in ${openSeconds.toFixed(1)} s, all parked after ${parkSeconds.toFixed(1)} s`,
    );
    await sleep(2000);
    await until(`${name} still parked`, () => server.parked(), n, 10_000);
    const rss = rssKiB(server.child.pid);
    const perStreamKiB = (rss - rssBeforeKiB) / n;
    log(
      `  ${name}: RSS ${num(rssBeforeKiB / 1024, 1)} MiB before, ${num(rss / 1024, 1)} MiB with ${num(n)} parked: ${num(perStreamKiB, 1)} KiB each`,
    );

    // Hello on the same server while the N stay parked.
    const helloUrl = `${server.url}/`;
    await load(helloUrl, CONNECTIONS, options.warmupSeconds);
    const hello = await load(helloUrl, CONNECTIONS, options.seconds);
    log(`  ${name}: hello while ${num(n)} parked: ${describeLoad(hello)}`);
    if (hello.failures > 0) errors.push(`parked ${name}: ${hello.failures} failed hello requests`);
    await until(`${name} parked after hello`, () => server.parked(), n, 10_000);

    // One message to all N.
    const sentNs = nowNs();
    const delivered = await publisher.publish(TOPIC, messageText(stage.published++, sentNs));
    if (delivered !== n) stage.shortAnswers++;
    const delivery = await subscribers.delivered(0, DELIVERY_TIMEOUT_MS);
    const firstDeliveryMs = (delivery.firstNs - sentNs) / 1e6;
    const lastDeliveryMs = (delivery.lastNs - sentNs) / 1e6;
    log(
      `  ${name}: publish → first delivery ${num(firstDeliveryMs, 1)} ms, → all ${num(n)} ${num(lastDeliveryMs, 1)} ms`,
    );
    // Every stream goes back to waiting for the next message.
    await until(`${name} parked again after the publish`, () => server.parked(), n, 60_000);

    await checkDelivery(stage, errors, "parked");
    await subscribers.stop();
    const leaving = performance.now();
    await checkReleased(server, n, errors, RELEASE_TIMEOUT_MS, "parked");
    log(`  ${name}: released in ${((performance.now() - leaving) / 1000).toFixed(1)} s`);
    return {
      n,
      parkSeconds,
      rssBeforeKiB,
      rssKiB: rss,
      perStreamKiB,
      hello,
      firstDeliveryMs,
      lastDeliveryMs,
    };
  } catch (err) {
    // Read while the streams are still open: once the client is stopped the server releases them.
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    throw new Error(`${message}${await stateOf(server)}`, { cause: err });
  } finally {
    publisher.close();
    await subscribers.stop();
  }
}
