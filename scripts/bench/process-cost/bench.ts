/**
 * @module scripts/bench/process-cost
 * Per-process cost: (a) instantiate + handle in µs, measured in-process (in-process.ts), for
 * the WAT `http-hello` and two StarlingMonkey guests; (b) resident memory per parked stream at
 * 1,000 and 5,000 stalled `sse-endless` streams, rusm against a plain node:http SSE server
 * (parked.ts). See README.md beside this file.
 *
 *     node scripts/bench/process-cost/bench.ts [--short] [--parked 1000,5000]
 *          [--park-timeout S] [--rss-limit-mb M]
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { runMain } from "../lib/main.ts";
import { guestPath, NODE, ROOT } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import type { InProcessResult } from "./in-process.ts";
import { measureParked, type ParkSide, type ParkStep } from "./parked.ts";

/** The target from the issue: 5,000 parked small-guest streams in one process under 2 GiB. */
export const PARKED_TARGET = { streams: 5000, mib: 2048 };

/** rusm's response channel for the parked streams, KiB (`body-buffer-kb`). */
const BODY_BUFFER_KB = 4;

const run$ = promisify(execFile);

async function inProcess(
  guest: string,
  iterations: number,
  flag?: string,
): Promise<InProcessResult> {
  const args = [join(import.meta.dirname, "in-process.ts"), guest, String(iterations)];
  if (flag !== undefined) args.push(flag);
  const { stdout } = await run$(NODE, args, { cwd: ROOT, maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as InProcessResult;
}

function us(n: number): string {
  return `${num(n, n < 100 ? 1 : 0)} µs`;
}

async function partA(options: BenchOptions, errors: string[]): Promise<SummaryRow[]> {
  const log = options.log;
  const k = options.short ? 0.1 : 1;
  const runs: Array<[string, number, string?]> = [
    ["http-hello", 2000 * k],
    ["http-hello", 500 * k, "--jco-1.35"],
    ["http-echo", 50 * k],
    ["sse-ts-feed?n=3", 50 * k],
  ];
  const results: InProcessResult[] = [];
  log("process-cost (a): processes run one at a time in one Node, over an in-memory exchange");
  for (const [guest, iterations, flag] of runs) {
    const r = await inProcess(guest, Math.max(5, Math.round(iterations)), flag);
    results.push(r);
    const exits = Object.entries(r.exits)
      .map(([reason, count]) => `${count} ${reason}`)
      .join(", ");
    log(
      `  ${r.guest.padEnd(16)} ${r.glue.padEnd(18)} n=${String(r.iterations).padEnd(5)} instantiate p50 ${us(r.instantiate.p50)} (p90 ${us(r.instantiate.p90)}), handle p50 ${us(r.handle.p50)} (p90 ${us(r.handle.p90)}), total p50 ${us(r.total.p50)} (p90 ${us(r.total.p90)}); plain JS ${us(r.baseline.p50)}; ${r.status}, ${r.bodyBytes} B, ${exits}`,
    );
    if (r.status !== 200 || r.bodyBytes === 0 || (r.exits.normal ?? 0) !== r.iterations) {
      errors.push(
        `process-cost: ${r.guest} (${r.glue}) answered ${r.status} / ${r.bodyBytes} B, exits ${exits}`,
      );
    }
  }
  const [hello, hello135, echo, feed] = results as [
    InProcessResult,
    InProcessResult,
    InProcessResult,
    InProcessResult,
  ];
  const row = (r: InProcessResult, label: string): SummaryRow => ({
    bench: "process-cost",
    measure: `${label}: instantiate+handle µs p50 (lower is better)`,
    rusm: `${num(r.instantiate.p50 + r.handle.p50)} (${num(r.instantiate.p50)}+${num(r.handle.p50)})`,
    baseline: `JS ${num(r.baseline.p50, 1)}`,
    ratio: (r.instantiate.p50 + r.handle.p50) / r.baseline.p50,
    target: "",
    meets: null,
  });
  return [
    row(hello, "http-hello (WAT)"),
    {
      bench: "process-cost",
      measure: `http-hello: µs/process, rusm (${hello.glue}) vs jco 1.35 glue`,
      rusm: num(hello.total.p50),
      baseline: `1.35: ${num(hello135.total.p50)}`,
      ratio: hello.total.p50 / hello135.total.p50,
      target: "",
      meets: null,
    },
    row(echo, "http-echo (StarlingMonkey)"),
    row(feed, "sse-ts-feed?n=3 (StarlingMonkey)"),
  ];
}

function stepAt(steps: ParkStep[], n: number): ParkStep | undefined {
  return steps.find((s) => s.n === n);
}

function cell(step: ParkStep | undefined, value: (s: ParkStep) => string): string {
  if (step === undefined) return "not reached";
  if (step.outcome !== "parked") return `${step.outcome} at ${num(step.parked)} parked`;
  return value(step);
}

async function partB(options: BenchOptions, errors: string[]): Promise<SummaryRow[]> {
  const log = options.log;
  log(
    `process-cost (b): stalled sse-endless streams at ${options.parkedCounts.map((n) => num(n)).join(", ")}, rusm body-buffer-kb = ${BODY_BUFFER_KB}`,
  );
  const plain = await startPlain({ raiseFdLimit: true });
  let plainSteps: ParkStep[];
  try {
    const side: ParkSide = {
      name: "plain",
      url: plain.url,
      child: plain.child,
      async sample() {
        const s = await plain.stats();
        return { parked: s.waiting, live: s.streams, bytes: s.bytes, buffered: s.buffered };
      },
      stop: () => plain.stop(),
    };
    plainSteps = await measureParked(side, "/sse", options);
  } finally {
    await plain.stop();
  }
  const rusm = await startRusm({
    components: { feed: guestPath("sse-endless") },
    routes: { "GET /sse": "feed" },
    bodyBufferKb: BODY_BUFFER_KB,
    raiseFdLimit: true,
  });
  let rusmSteps: ParkStep[];
  try {
    const side: ParkSide = {
      name: "rusm",
      url: rusm.url,
      child: rusm.child,
      async sample() {
        const [parked, live, bytes, buffered] = await Promise.all([
          rusm.metric("rusm_processes_parked"),
          rusm.metric("rusm_processes"),
          rusm.metric("rusm_body_bytes_total"),
          rusm.metric("rusm_body_buffered_bytes"),
        ]);
        return { parked, live, bytes, buffered };
      },
      stop: () => rusm.stop(),
    };
    rusmSteps = await measureParked(side, "/sse", options);
    const trap = await rusm.metric("rusm_process_exits_total", { reason: "trap" }).catch(() => 0);
    if (trap > 0) errors.push(`process-cost: ${trap} rusm processes trapped while parked`);
  } finally {
    await rusm.stop();
  }
  const first = rusmSteps[0];
  if (
    first === undefined ||
    (first.outcome !== "parked" && first.outcome !== "rss-limit" && first.outcome !== "died")
  ) {
    errors.push(
      `process-cost: rusm streams did not park (${first?.outcome ?? "no step"} ${first?.note ?? ""})`,
    );
  }

  const rows: SummaryRow[] = options.parkedCounts.map((n) => {
    const r = stepAt(rusmSteps, n);
    const p = stepAt(plainSteps, n);
    const both = r?.outcome === "parked" && p?.outcome === "parked";
    return {
      bench: "process-cost",
      measure: `RSS KiB per parked stream, N=${num(n)} (lower is better)`,
      rusm: cell(r, (s) => num(s.perStreamKiB)),
      baseline: cell(p, (s) => num(s.perStreamKiB)),
      ratio: both ? r.perStreamKiB / p.perStreamKiB : null,
      target: "",
      meets: null,
    };
  });
  const nMax = Math.max(...options.parkedCounts);
  const r = stepAt(rusmSteps, nMax) ?? rusmSteps.at(-1);
  const p = stepAt(plainSteps, nMax) ?? plainSteps.at(-1);
  const mib = (s: ParkStep | undefined): string =>
    s === undefined
      ? "n/a"
      : `${num(s.rssKiB / 1024)} MiB${s.outcome === "parked" ? "" : ` (${s.outcome} at ${num(s.parked)} parked)`}`;
  const targetApplies = nMax >= PARKED_TARGET.streams;
  rows.push({
    bench: "process-cost",
    measure: `server RSS with ${num(nMax)} parked streams`,
    rusm: mib(r),
    baseline: mib(p),
    ratio: r?.outcome === "parked" && p?.outcome === "parked" ? r.rssKiB / p.rssKiB : null,
    target: targetApplies ? `< ${num(PARKED_TARGET.mib)} MiB at ${num(PARKED_TARGET.streams)}` : "",
    meets: targetApplies
      ? r?.outcome === "parked" && r.n === nMax && r.rssKiB / 1024 < PARKED_TARGET.mib
      : null,
  });
  return rows;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const rows: SummaryRow[] = [];
  // Each part reports what it measured even when the other one fails.
  for (const part of [partA, partB]) {
    try {
      rows.push(...(await part(options, errors)));
    } catch (err) {
      errors.push(
        `process-cost ${part === partA ? "(a)" : "(b)"} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }
  return { bench: "process-cost", rows, errors };
}

if (import.meta.main) await runMain("process-cost", run);
