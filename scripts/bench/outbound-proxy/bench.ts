/**
 * @module scripts/bench/outbound-proxy
 * Outbound HTTP (issue 18): a guest proxying a plain upstream (rs-fetch `api#get`: one
 * `rusm_rs::http::fetch` per request, answering `<status> <body>`) against a plain node:http
 * proxy doing the same (plain-proxy.ts), both in front of the same upstream (the plain hello
 * server), side by side in one run: req/s and p50 latency as ratios, and the latency each adds
 * over asking the upstream directly. See README.md beside this file.
 *
 *     node scripts/bench/outbound-proxy/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { join } from "node:path";
import { startChild, startPair, type Child } from "../lib/child.ts";
import { load, type LoadResult } from "../lib/load.ts";
import { runMain } from "../lib/main.ts";
import { guestPath, NODE } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { CONNECTIONS, describeLoad, fold } from "../lib/rate.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { alternate } from "../lib/sides.ts";

async function startPlainProxy(): Promise<{ url: string; child: Child; stop(): Promise<void> }> {
  const child = await startChild({
    name: "plain node:http proxy",
    command: NODE,
    args: [join(import.meta.dirname, "plain-proxy.ts")],
    readyPattern: /plain proxy listening on (http:\/\/\S+)/,
  });
  return { url: child.ready, child, stop: () => child.stop() };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const log = options.log;
  const upstream = await startPlain();
  const target = `${upstream.url}/`;
  const path = `/proxy?u=${encodeURIComponent(target)}`;
  try {
    const [proxy, rusm] = await startPair(startPlainProxy, () =>
      startRusm({
        components: { fetch: guestPath("rs-fetch") },
        routes: { "GET /proxy": "api#get" },
        componentKeys: { fetch: { "allow-outbound": [upstream.url] } },
      }),
    );
    try {
      const [viaPlain, viaRusm] = await Promise.all([
        fetch(`${proxy.url}${path}`).then((r) => r.text()),
        fetch(`${rusm.url}${path}`).then((r) => r.text()),
      ]);
      if (viaPlain !== viaRusm || !viaRusm.startsWith("200 ")) {
        errors.push(
          `outbound-proxy: bodies differ: plain ${JSON.stringify(viaPlain)}, rusm ${JSON.stringify(viaRusm)}`,
        );
      } else {
        log(`outbound-proxy: identical bodies (${JSON.stringify(viaRusm.slice(0, 40))})`);
      }
      for (const url of [target, `${proxy.url}${path}`, `${rusm.url}${path}`]) {
        await load(url, CONNECTIONS, options.warmupSeconds);
      }
      const measure = (url: string) => () => load(url, CONNECTIONS, options.seconds);
      const [directRounds, plainRounds, rusmRounds] = await alternate<LoadResult>(
        [
          { name: "upstream", pid: upstream.child.pid, measure: measure(target) },
          { name: "plain", pid: proxy.child.pid, measure: measure(`${proxy.url}${path}`) },
          { name: "rusm", pid: rusm.child.pid, measure: measure(`${rusm.url}${path}`) },
        ],
        options.rounds,
        log,
        describeLoad,
      );
      const [d, p, r] = [fold(directRounds!), fold(plainRounds!), fold(rusmRounds!)];
      for (const [name, side] of [
        ["plain", p],
        ["rusm", r],
      ] as const) {
        if (side.failures > 0)
          errors.push(`outbound-proxy: ${side.failures} failed requests via ${name}`);
      }
      const proxied = await rusm.metric("rusm_outbound_requests_total", { status: "200" });
      if (proxied < r.requests) {
        errors.push(
          `outbound-proxy: rusm counted ${proxied} outbound requests for ${r.requests} answered`,
        );
      }
      const row = (measure: string, a: number, b: number, digits = 0): SummaryRow => ({
        bench: "outbound-proxy",
        measure,
        rusm: num(a, digits),
        baseline: num(b, digits),
        ratio: a / b,
        target: "",
        meets: null,
      });
      return {
        bench: "outbound-proxy",
        rows: [
          row("req/s through the proxy (higher is better)", r.rps, p.rps),
          row("p50 ms through the proxy", r.p50, p.p50, 2),
          row(
            `p50 ms added over the upstream direct (${num(d.p50, 2)} ms)`,
            r.p50 - d.p50,
            p.p50 - d.p50,
            2,
          ),
          row("server CPU µs/request", r.cpuUsPerRequest, p.cpuUsPerRequest),
        ],
        errors,
      };
    } finally {
      await Promise.all([proxy.stop(), rusm.stop()]);
    }
  } finally {
    await upstream.stop();
  }
}

if (import.meta.main) await runMain("outbound-proxy", run);
