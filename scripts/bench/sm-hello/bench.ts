/**
 * @module scripts/bench/sm-hello
 * StarlingMonkey hello requests/s: `rusm serve` with `sm-hello` (a StarlingMonkey JS guest, a
 * fresh instance per request) against a plain node:http server sending the same bytes, side by
 * side in one run; plus both servers' resident memory. See README.md beside this file.
 *
 *     node scripts/bench/sm-hello/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { startPair } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { guestPath } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { peakRssKiB, rssKiB } from "../lib/proc.ts";
import { compareRate, rateRows, type Folded } from "../lib/rate.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";

/** The target from issue 5: 300 req/s or better (on one core: rusm is one process). */
export const SM_HELLO_TARGET_RPS = 300;

const PATH = "/sm";

/** Server CPU time / wall time during the rounds: 1 = one core busy. */
function cores(side: Folded): number {
  return (side.cpuUsPerRequest * side.rps) / 1e6;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const guest = guestPath("sm-hello");
  const [plain, rusm] = await startPair(startPlain, () =>
    startRusm({ components: { sm: guest }, routes: { [`GET ${PATH}`]: "sm" } }),
  );
  try {
    const idle = [rssKiB(plain.child.pid), rssKiB(rusm.child.pid)];
    log(
      `sm-hello: RSS at start (guest compiled, no request yet): plain ${num(idle[0]! / 1024)} MiB, rusm ${num(idle[1]! / 1024)} MiB`,
    );
    const sides = { plain, rusm };
    const { plain: p, rusm: r } = await compareRate("sm-hello", sides, PATH, options, errors);
    const [plainRss, rusmRss] = [rssKiB(plain.child.pid), rssKiB(rusm.child.pid)];
    const [plainPeak, rusmPeak] = [peakRssKiB(plain.child.pid), peakRssKiB(rusm.child.pid)];
    const target = {
      text: `>= ${SM_HELLO_TARGET_RPS} req/s`,
      meets: r.rps >= SM_HELLO_TARGET_RPS,
    };
    const mib = (kib: number): string => num(kib / 1024);
    const extra: SummaryRow[] = [
      {
        bench: "sm-hello",
        measure: "server CPU, cores busy during the rounds",
        rusm: num(cores(r), 2),
        baseline: num(cores(p), 2),
        ratio: cores(r) / cores(p),
        target: "",
        meets: null,
      },
      {
        bench: "sm-hello",
        measure: "server RSS MiB after the rounds (lower is better)",
        rusm: mib(rusmRss),
        baseline: mib(plainRss),
        ratio: rusmRss / plainRss,
        target: "",
        meets: null,
      },
      {
        bench: "sm-hello",
        measure: "server peak RSS MiB, VmHWM (lower is better)",
        rusm: mib(rusmPeak),
        baseline: mib(plainPeak),
        ratio: rusmPeak / plainPeak,
        target: "",
        meets: null,
      },
    ];
    return { bench: "sm-hello", rows: [...rateRows("sm-hello", r, p, target), ...extra], errors };
  } finally {
    await Promise.all([plain.stop(), rusm.stop()]);
  }
}

if (import.meta.main) await runMain("sm-hello", run);
