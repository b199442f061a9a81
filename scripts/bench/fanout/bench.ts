/**
 * @module scripts/bench/fanout
 * Pub/sub fan-out: one publisher, N subscribers (1,000 and 5,000). rusm's broker with one
 * `live-tail` process per subscriber against a plain node:http SSE fan-out server doing the
 * same work, side by side in one run: publish → last delivery p50/p99, messages/s in a burst,
 * RSS per subscriber, server CPU per delivery. See README.md beside this file.
 *
 *     node scripts/bench/fanout/bench.ts [--short] [--subscribers 1000,5000] [--rounds N]
 */
import { runMain } from "../lib/main.ts";
import { rssKiB, sleep } from "../lib/proc.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { alternate, type Measured } from "../lib/sides.ts";
import { quantile } from "../lib/stats.ts";
import { headOf } from "../lib/wire.ts";
import { checkDelivery, checkReleased, until, wireSample } from "./checks.ts";
import { HEARTBEAT_MS, TOPIC } from "./message.ts";
import { startPublisher } from "./publisher.ts";
import { latencies, burst, measureRound, type RoundResult, type Stage } from "./round.ts";
import { startPlainFanout, startRusmFanout, type FanoutServer } from "./servers.ts";
import { startSubscribers } from "./subscribers.ts";

const TAIL_PATH = `/tail/${TOPIC}?hb=${HEARTBEAT_MS}`;

/** Latency samples per side and N, over all rounds (p99 of ~100 is the second largest). */
const LATENCY_SAMPLES = { full: 100, short: 10 };
/** Messages per burst (one per round). */
const BURST_MESSAGES = { full: 200, short: 50 };
/** Unmeasured messages per side before the rounds: one at a time, then a burst. */
const WARMUP = { latency: 5, burst: 20 };

interface SideResult {
  /** (RSS with N subscribers - RSS before them) / N. */
  perSubscriberKiB: number;
  /** What RSS grew per delivery from then to the end of the rounds. */
  growthBytesPerDelivery: number;
  rounds: Array<Measured<RoundResult>>;
}

/** Starts the subscribers of one server and waits until it counts them all. */
async function subscribe(server: FanoutServer, n: number, log: (line: string) => void) {
  const started = performance.now();
  const subscribers = await startSubscribers(server.url, TAIL_PATH);
  const opened = await subscribers.open(n);
  if (opened !== n) throw new Error(`${server.name}: ${opened} subscribers opened, not ${n}`);
  await until(`${server.name} subscriptions`, () => server.subscriptions(), n);
  const seconds = (performance.now() - started) / 1000;
  log(`  ${server.name}: ${num(n)} subscribers in ${seconds.toFixed(1)} s`);
  return subscribers;
}

function describe(r: RoundResult): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return `latency p50 ${num(quantile(sorted, 0.5), 2)} ms (max ${num(sorted.at(-1) ?? NaN, 2)}), burst ${num(r.burst.messages / r.burst.seconds, 1)} messages/s (subscriber process at ${num(r.burst.subscriberCpuShare * 100)}% of a core)`;
}

async function step(
  n: number,
  options: BenchOptions,
  errors: string[],
): Promise<{ plain: SideResult; rusm: SideResult }> {
  const log = options.log;
  const servers: FanoutServer[] = [];
  const stages: Stage[] = [];
  try {
    // One at a time: a server that started is in `servers`, stopped below whatever fails next.
    servers.push(await startPlainFanout());
    servers.push(await startRusmFanout());
    const [plain, rusm] = servers as [FanoutServer, FanoutServer];

    // The same bytes: head and one event. Also each server's warm-up before its RSS baseline.
    const [plainWire, rusmWire] = [await wireSample(plain), await wireSample(rusm)];
    if (plainWire !== rusmWire) {
      errors.push(`fanout: responses differ\n--- plain\n${plainWire}\n--- rusm\n${rusmWire}`);
    } else {
      log(
        `fanout N=${num(n)}: identical head + first event (${Buffer.byteLength(rusmWire, "latin1")} bytes, Date blanked): ${JSON.stringify(headOf(rusmWire).split("\r\n")[0])}`,
      );
    }
    for (const server of servers) await until(`${server.name} live`, () => server.live(), 0);
    await sleep(1000);
    const rssBefore = servers.map((s) => rssKiB(s.child.pid));

    for (const server of servers) {
      const subscribers = await subscribe(server, n, log);
      const publisher = startPublisher(server.publishUrl);
      stages.push({ server, subscribers, publisher, n, published: 0, shortAnswers: 0 });
    }
    await sleep(2000);
    const subscribed = servers.map((server, i) => {
      const rss = rssKiB(server.child.pid);
      const perSubscriberKiB = (rss - rssBefore[i]!) / n;
      log(
        `  ${server.name}: RSS ${num(rssBefore[i]! / 1024, 1)} MiB before, ${num(rss / 1024, 1)} MiB with ${num(n)} subscribers: ${num(perSubscriberKiB, 1)} KiB each`,
      );
      return { rssKiB: rss, perSubscriberKiB };
    });

    for (const stage of stages) {
      await latencies(stage, WARMUP.latency);
      await burst(stage, WARMUP.burst);
    }
    const samples = options.short ? LATENCY_SAMPLES.short : LATENCY_SAMPLES.full;
    const perRound = Math.ceil(samples / options.rounds);
    const burstMessages = options.short ? BURST_MESSAGES.short : BURST_MESSAGES.full;
    log(
      `  warm-up ${WARMUP.latency} + ${WARMUP.burst} messages a side, then ${options.rounds} round(s) of ${perRound} messages one at a time + a burst of ${burstMessages}`,
    );
    const [plainRounds, rusmRounds] = await alternate(
      stages.map((stage) => ({
        name: stage.server.name,
        pid: stage.server.child.pid,
        measure: () => measureRound(stage, perRound, burstMessages),
      })),
      options.rounds,
      log,
      describe,
    );
    const growth = stages.map((stage, i) => {
      const rssAfterKiB = rssKiB(stage.server.child.pid);
      const grown = rssAfterKiB - subscribed[i]!.rssKiB;
      const growthBytesPerDelivery = (grown * 1024) / (stage.published * n);
      log(
        `  ${stage.server.name}: RSS ${num(rssAfterKiB / 1024, 1)} MiB after ${num(stage.published)} messages to ${num(n)} subscribers: ${num(growthBytesPerDelivery)} bytes more per delivery`,
      );
      return growthBytesPerDelivery;
    });

    for (const stage of stages) await checkDelivery(stage, errors);
    for (const stage of stages) {
      await stage.subscribers.stop();
      stage.publisher.close();
      await checkReleased(stage.server, n, errors);
    }
    return {
      plain: {
        perSubscriberKiB: subscribed[0]!.perSubscriberKiB,
        growthBytesPerDelivery: growth[0]!,
        rounds: plainRounds!,
      },
      rusm: {
        perSubscriberKiB: subscribed[1]!.perSubscriberKiB,
        growthBytesPerDelivery: growth[1]!,
        rounds: rusmRounds!,
      },
    };
  } finally {
    for (const stage of stages) {
      stage.publisher.close();
      await stage.subscribers.stop();
    }
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** A side's rounds folded: latency percentiles, burst rate, server CPU per delivery. */
function fold(side: SideResult, n: number) {
  const sorted = side.rounds.flatMap((r) => r.result.latenciesMs).sort((a, b) => a - b);
  const messages = side.rounds.reduce((s, r) => s + r.result.burst.messages, 0);
  const seconds = side.rounds.reduce((s, r) => s + r.result.burst.seconds, 0);
  const cpu = side.rounds.reduce((s, r) => s + r.cpuMs, 0);
  const published = side.rounds.reduce((s, r) => s + r.result.messages, 0);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    samples: sorted.length,
    rate: messages / seconds,
    cpuUsPerDelivery: (cpu * 1000) / (published * n),
  };
}

function rows(n: number, plain: SideResult, rusm: SideResult): SummaryRow[] {
  const p = fold(plain, n);
  const r = fold(rusm, n);
  const at = `N=${num(n)}`;
  const row = (
    measure: string,
    rv: number,
    pv: number,
    digits: number,
    text?: (v: number) => string,
  ) => ({
    bench: "fanout",
    measure: `${at}: ${measure}`,
    rusm: text?.(rv) ?? num(rv, digits),
    baseline: text?.(pv) ?? num(pv, digits),
    // RSS can shrink over the rounds (a collection): no meaningful ratio against a value <= 0.
    ratio: pv > 0 ? rv / pv : null,
    target: "",
    meets: null,
  });
  return [
    row(`publish → last delivery p50 ms, ${p.samples} msgs (lower is better)`, r.p50, p.p50, 2),
    row(`publish → last delivery p99 ms (lower is better)`, r.p99, p.p99, 2),
    row(
      `burst messages/s to all (deliveries/s) (higher is better)`,
      r.rate,
      p.rate,
      0,
      (v) => `${num(v, v < 100 ? 1 : 0)} (${num(v * n)})`,
    ),
    row(
      `RSS KiB per subscriber (lower is better)`,
      rusm.perSubscriberKiB,
      plain.perSubscriberKiB,
      1,
    ),
    row(
      `server RSS growth, bytes per delivery (lower is better)`,
      rusm.growthBytesPerDelivery,
      plain.growthBytesPerDelivery,
      0,
    ),
    row(`server CPU µs per delivery (lower is better)`, r.cpuUsPerDelivery, p.cpuUsPerDelivery, 2),
  ];
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const out: SummaryRow[] = [];
  options.log(
    `fanout: one publisher, ${options.subscriberCounts.map((n) => num(n)).join(" then ")} subscribers of live-tail (rusm) / plain node:http SSE`,
  );
  for (const n of options.subscriberCounts) {
    try {
      const { plain, rusm } = await step(n, options, errors);
      out.push(...rows(n, plain, rusm));
    } catch (err) {
      errors.push(
        `fanout N=${num(n)} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }
  return { bench: "fanout", rows: out, errors };
}

if (import.meta.main) await runMain("fanout", run);
