/**
 * @module scripts/bench/preempt/serve
 * What each `preempt` placement costs a guest served by `rusm serve`: the request latency of a
 * compute-heavy small WAT guest (`cpu-work`: 2^24 rounds of a function called in a loop) and of
 * a StarlingMonkey JS loop (`sm-spin?n=N`: N rounds of a `for` loop in SpiderMonkey's
 * interpreter), each served by four components that differ only in `preempt` (none, loops,
 * calls, kill), on one rusm (`--workers 1`), requests one at a time, placements alternating
 * within each round. The ratio is the median latency against `preempt = "none"`'s.
 */
import { request } from "undici";
import { guestPath } from "../lib/paths.ts";
import { num, type BenchOptions, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { quantile } from "../lib/stats.ts";

const SIDES = ["none", "loops", "calls", "kill"] as const;
type Side = (typeof SIDES)[number];

interface Case {
  readonly name: string;
  readonly guest: string;
  readonly query: string;
  readonly label: string;
}

/** Sized to ~0.1-0.3 s a request uninstrumented: well under the watchdog's 1 s stall. */
const CASES: readonly Case[] = [
  {
    name: "work",
    guest: "cpu-work",
    query: "",
    label: "WAT cpu-work (2^24 calls in a loop)",
  },
  {
    name: "js",
    guest: "sm-spin",
    query: "?n=600000",
    label: "StarlingMonkey JS for-loop (n=600000)",
  },
];

const median = (xs: number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

async function timed(url: string, errors: string[]): Promise<number> {
  const t0 = performance.now();
  const res = await request(url);
  const body = await res.body.text();
  const ms = performance.now() - t0;
  if (res.statusCode !== 200 || !/^\d+\n$/.test(body)) {
    errors.push(`preempt serve: ${url} answered ${res.statusCode} ${JSON.stringify(body)}`);
  }
  return ms;
}

/** Latency per placement, served; rows of ratios against `none`. */
export async function serveRows(options: BenchOptions, errors: string[]): Promise<SummaryRow[]> {
  const components: Record<string, string> = {};
  const routes: Record<string, string> = {};
  const componentKeys: Record<string, Record<string, string | number>> = {};
  for (const c of CASES) {
    for (const side of SIDES) {
      const name = `${c.name}-${side}`;
      components[name] = guestPath(c.guest);
      routes[`GET /${c.name}/${side}`] = name;
      componentKeys[name] = { preempt: side, "max-cpu-ms": 0 };
    }
  }
  const rusm = await startRusm({ components, routes, componentKeys, workers: 1 });
  const rows: SummaryRow[] = [];
  try {
    const perRound = options.short ? 2 : 5;
    const rounds = options.short ? 1 : Math.max(3, options.rounds);
    for (const c of CASES) {
      const samples = new Map<Side, number[]>(SIDES.map((s) => [s, []]));
      // Warm-up: the first request of each component pays for lazy compilation.
      for (const side of SIDES) await timed(`${rusm.url}/${c.name}/${side}${c.query}`, errors);
      for (let r = 0; r < rounds; r++) {
        for (const side of SIDES) {
          for (let i = 0; i < perRound; i++) {
            samples.get(side)!.push(await timed(`${rusm.url}/${c.name}/${side}${c.query}`, errors));
          }
        }
      }
      const base = median(samples.get("none")!);
      options.log(
        `preempt serve: ${c.label}: median ms per request ${SIDES.map((s) => `${s} ${num(median(samples.get(s)!), 1)}`).join(", ")} (${rounds} rounds x ${perRound} per placement)`,
      );
      for (const side of SIDES.filter((s) => s !== "none")) {
        const ms = median(samples.get(side)!);
        rows.push({
          bench: "preempt",
          measure: `served ${c.label}: ms/request, preempt = "${side}" vs "none" (lower is better)`,
          rusm: num(ms, 1),
          baseline: num(base, 1),
          ratio: ms / base,
          target: "",
          meets: null,
        });
      }
    }
  } finally {
    await rusm.stop();
  }
  return rows;
}
