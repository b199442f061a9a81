/**
 * @module scripts/bench/ts-live
 * Parked TypeScript live tails: rusm with one `ts-live` process per subscriber (`live#follow`:
 * `broker.subscribe(topic)` + `sse.run(hb, (msg) => msg)`, a TypeScript guest, StarlingMonkey
 * by default), each parked in its mailbox, against a plain node:http SSE fan-out holding as many
 * streams; the same subscriber process opens them (the parked bench's side.ts). Per N (1,000
 * and 5,000; `--short`: 100): RSS per subscriber, time to park, one publish → all delivered.
 * See README.md beside this file.
 *
 *     node scripts/bench/ts-live/bench.ts [--short] [--parked 1000,5000]
 *                                          [--engine starlingmonkey|quickjs] [--rss-limit-mb M]
 *
 * An N whose rusm side would not fit (its RSS per subscriber at the N before, times N, past
 * `--rss-limit-mb` or the machine's available memory) is not run: its rows say so.
 */
import { readFileSync } from "node:fs";
import { wireSample } from "../fanout/checks.ts";
import { startPlainFanout, startRusmFanout, type FanoutServer } from "../fanout/servers.ts";
import { fdLimit, FD_HEADROOM } from "../lib/fd-limit.ts";
import { runMain } from "../lib/main.ts";
import { tsGuestPath } from "../lib/paths.ts";
import {
  num,
  type BenchOptions,
  type BenchReport,
  type SummaryRow,
  type TsEngine,
} from "../lib/report.ts";
import { measureSide, type SideResult } from "../parked/side.ts";

/** The target from issue 16: a parked TypeScript live tail in 1 MiB or less. */
export const TS_LIVE_TARGET_KIB = 1024;

/** The memory cap of each process (ts-live's tests use 96-128). */
const MAX_MEMORY_MB = 96;

/**
 * What a parked live tail takes before one is measured, KiB, per engine: StarlingMonkey ~6-7
 * MiB (anatomy.ts), QuickJS ~0.5 MiB (ts-engines); the guess only decides whether the first N
 * fits.
 */
const FIRST_GUESS_KIB: Record<TsEngine, number> = { starlingmonkey: 7 * 1024, quickjs: 1024 };

/** The machine's MemAvailable, KiB. */
function availableKiB(): number {
  const m = /^MemAvailable:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"));
  return Number(m?.[1] ?? 0);
}

/** The head and first event both servers send for a tail, the same bytes, or an error. */
async function checkWire(plain: FanoutServer, rusm: FanoutServer, errors: string[]) {
  const [a, b] = [await wireSample(plain), await wireSample(rusm)];
  if (a !== b) errors.push(`ts-live: tail responses differ\n--- plain\n${a}\n--- rusm\n${b}`);
  return a === b;
}

type Side = SideResult | "failed" | "skipped";

function rows(n: number, p: Side, r: Side, skipNote: string): SummaryRow[] {
  const at = `N=${num(n)}`;
  const text = (s: Side, v: number, digits: number): string =>
    typeof s === "string" ? s : num(v, digits);
  const row = (measure: string, f: (s: SideResult) => number, digits: number): SummaryRow => {
    const [rv, pv] = [typeof r === "string" ? NaN : f(r), typeof p === "string" ? NaN : f(p)];
    return {
      bench: "ts-live",
      measure: `${at}: ${measure}`,
      rusm: text(r, rv, digits),
      baseline: text(p, pv, digits),
      ratio: Number.isFinite(rv) && Number.isFinite(pv) && pv > 0 ? rv / pv : null,
      target: "",
      meets: null,
    };
  };
  const perSub = row("RSS KiB per parked subscriber (lower is better)", (s) => s.perStreamKiB, 1);
  perSub.target = `<= ${TS_LIVE_TARGET_KIB / 1024} MiB`;
  perSub.meets = typeof r === "string" ? null : r.perStreamKiB <= TS_LIVE_TARGET_KIB;
  if (skipNote !== "") perSub.measure += ` (${skipNote})`;
  return [
    perSub,
    row("server RSS MiB, all parked (lower is better)", (s) => s.rssKiB / 1024, 0),
    row("time to open and park all, s (lower is better)", (s) => s.parkSeconds, 1),
    row("one publish → first delivery ms (lower is better)", (s) => s.firstDeliveryMs, 1),
    row("one publish → all delivered ms (lower is better)", (s) => s.lastDeliveryMs, 1),
  ];
}

/** Measures one side at N in its own server process, stopped afterwards. */
async function side(
  start: () => Promise<FanoutServer>,
  n: number,
  fds: number,
  options: BenchOptions,
  errors: string[],
): Promise<Side> {
  let server: FanoutServer | null = null;
  try {
    server = await start();
    options.log(`ts-live: ${server.name}, ${num(n)} subscribers`);
    return await measureSide(server, n, fds, options, errors);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(`ts-live N=${num(n)} ${server?.name ?? "server"} failed: ${message}`);
    return "failed";
  } finally {
    await server?.stop();
  }
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const guest = tsGuestPath("ts-live", options.engine);
  const fd = fdLimit(65_536);
  const out: SummaryRow[] = [];
  log(`ts-live: engine ${options.engine} (${guest}), fd limit ${num(fd.limit)}`);
  const startRusm = () =>
    startRusmFanout({
      hello: true,
      fdLimit: fd.limit,
      tail: { path: guest, target: "live#follow", maxMemoryMb: MAX_MEMORY_MB },
    });
  const startPlain = () => startPlainFanout({ hello: true, fdLimit: fd.limit });
  // Both servers send the same head and event bytes.
  {
    const [plain, rusm] = [await startPlain(), await startRusm().catch(() => null)];
    try {
      if (rusm === null) errors.push("ts-live: rusm did not start for the wire check");
      else if (await checkWire(plain, rusm, errors)) {
        log("ts-live: identical tail head + first event (Date blanked)");
      }
    } finally {
      await Promise.all([plain.stop(), rusm?.stop()]);
    }
  }
  let perSubscriberKiB = FIRST_GUESS_KIB[options.engine];
  for (const asked of options.parkedCounts) {
    const n = Math.min(asked, fd.limit - FD_HEADROOM);
    const plain = await side(startPlain, n, fd.limit, options, errors);
    // The rusm side only when it fits: N times the last measured RSS per subscriber.
    const needKiB = n * perSubscriberKiB * 1.1;
    const roomKiB = Math.min(options.rssLimitMb * 1024, availableKiB() * 0.8);
    let rusm: Side = "skipped";
    let note = "";
    if (needKiB > roomKiB) {
      note = `rusm not run: ~${num(needKiB / 1024 ** 2, 1)} GiB needed, ${num(roomKiB / 1024 ** 2, 1)} GiB allowed`;
      log(`ts-live: N=${num(n)}: ${note}`);
    } else {
      rusm = await side(startRusm, n, fd.limit, options, errors);
      if (typeof rusm !== "string") perSubscriberKiB = rusm.perStreamKiB;
    }
    out.push(...rows(n, plain, rusm, note));
  }
  return { bench: "ts-live", rows: out, errors };
}

if (import.meta.main) await runMain("ts-live", run);
