/**
 * @module scripts/bench/websocket
 * WebSocket actions (issue 19) against a plain `ws` server doing the same (plain-ws-server.ts),
 * one side at a time, in one run: echo round trips/s on one connection (`ws-wat`'s `wat#echo`),
 * messages/s fanned out to 1,000 sockets of one room (`wat#room`: broker + `run`), and RSS per
 * parked WAT WebSocket process at 5,000 connections. See README.md beside this file.
 *
 *     node scripts/bench/websocket/bench.ts [--short] [--seconds N]
 */
import { join } from "node:path";
import { startChild, type Child } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { guestPath, NODE } from "../lib/paths.ts";
import { rssKiB, sleep } from "../lib/proc.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { closeAll, echoRoundTrips, fanout, openMany } from "./clients.ts";

/** The targets. */
export const WEBSOCKET_TARGETS = { echo: 0.5, fanout: 0.5, parkedKiB: 100 };

interface Side {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Resolves once `n` members are in the room (rusm: subscriptions; plain: at once). */
  settle(n: number): Promise<void>;
  stop(): Promise<void>;
}

interface Measures {
  echoRps: number;
  fanoutPerS: number;
  parkedKiB: number;
}

async function plainSide(): Promise<Side> {
  const child: Child = await startChild({
    name: "plain ws server",
    command: NODE,
    args: [join(import.meta.dirname, "plain-ws-server.ts")],
    readyPattern: /plain ws listening on (http:\/\/\S+)/,
    raiseFdLimit: true,
  });
  return {
    name: "plain ws",
    url: child.ready,
    pid: child.pid,
    settle: () => sleep(200),
    stop: () => child.stop(),
  };
}

async function rusmSide(): Promise<Side> {
  const server = await startRusm({
    components: { w: guestPath("ws-wat") },
    routes: { "GET /echo": "wat#echo", "GET /room/:topic": "wat#room" },
    raiseFdLimit: true,
    broker: { mailbox: 4096 },
  });
  return {
    name: "rusm",
    url: server.url,
    pid: server.child.pid,
    async settle(n) {
      const deadline = performance.now() + 60_000;
      while ((await server.metric("rusm_broker_subscriptions")) < n) {
        if (performance.now() > deadline) throw new Error(`rusm: ${n} members never subscribed`);
        await sleep(100);
      }
    },
    stop: () => server.stop(),
  };
}

async function measure(side: Side, options: BenchOptions, errors: string[]): Promise<Measures> {
  const log = options.log;
  const members = options.short ? 200 : 1000;
  const messages = options.short ? 10 : 50;
  const parked = options.short ? 200 : 5000;
  const echo = await echoRoundTrips(side.url, options.seconds);
  errors.push(...echo.errors.map((e) => `${side.name} echo: ${e}`));
  log(`websocket: ${side.name} echo ${num(echo.rps)} round trips/s`);
  const fan = await fanout(side.url, "bench", members, messages, () => side.settle(members));
  errors.push(...fan.errors.map((e) => `${side.name} fan-out: ${e}`));
  log(`websocket: ${side.name} fan-out ${num(fan.deliveriesPerS)} deliveries/s to ${members}`);
  await sleep(500);
  const before = rssKiB(side.pid);
  const sockets = await openMany(`${side.url}/echo`, parked);
  await sleep(1000);
  const after = rssKiB(side.pid);
  const parkedKiB = (after - before) / parked;
  log(
    `websocket: ${side.name} ${num(parked)} parked: ${num(before / 1024)} → ${num(after / 1024)} MiB, ${num(parkedKiB, 1)} KiB each`,
  );
  await closeAll(sockets);
  return { echoRps: echo.rps, fanoutPerS: fan.deliveriesPerS, parkedKiB };
}

function rows(options: BenchOptions, r: Measures | null, p: Measures | null): SummaryRow[] {
  const members = options.short ? 200 : 1000;
  const parked = options.short ? 200 : 5000;
  const row = (
    measure: string,
    f: (m: Measures) => number,
    target: string,
    meets: (rv: number, ratio: number) => boolean,
    digits = 0,
  ): SummaryRow => {
    const [rv, pv] = [r === null ? NaN : f(r), p === null ? NaN : f(p)];
    const ratio = r !== null && p !== null && pv > 0 ? rv / pv : null;
    return {
      bench: "websocket",
      measure,
      rusm: r === null ? "failed" : num(rv, digits),
      baseline: p === null ? "failed" : num(pv, digits),
      ratio,
      target,
      meets: options.short || r === null || ratio === null ? null : meets(rv, ratio),
    };
  };
  return [
    row(
      "echo round trips/s, one connection (higher is better)",
      (m) => m.echoRps,
      `>= ${WEBSOCKET_TARGETS.echo}x`,
      (_rv, ratio) => ratio >= WEBSOCKET_TARGETS.echo,
    ),
    row(
      `fan-out deliveries/s to ${num(members)} sockets (higher is better)`,
      (m) => m.fanoutPerS,
      `>= ${WEBSOCKET_TARGETS.fanout}x`,
      (_rv, ratio) => ratio >= WEBSOCKET_TARGETS.fanout,
    ),
    row(
      `RSS KiB per parked WebSocket at ${num(parked)} (lower is better)`,
      (m) => m.parkedKiB,
      `<= ${WEBSOCKET_TARGETS.parkedKiB} KiB`,
      (rv) => rv <= WEBSOCKET_TARGETS.parkedKiB,
      1,
    ),
  ];
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const results: Array<Measures | null> = [];
  // One side at a time: each gets the machine (and the client) to itself.
  for (const start of [rusmSide, plainSide]) {
    let side: Side | null = null;
    try {
      side = await start();
      results.push(await measure(side, options, errors));
    } catch (err) {
      errors.push(
        `websocket ${side?.name ?? start.name} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      results.push(null);
    } finally {
      await side?.stop();
    }
  }
  return {
    bench: "websocket",
    rows: rows(options, results[0] ?? null, results[1] ?? null),
    errors,
  };
}

if (import.meta.main) await runMain("websocket", run);
