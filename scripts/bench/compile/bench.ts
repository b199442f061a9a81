/**
 * @module scripts/bench/compile
 * What compiling every function at load (`RUSM_COMPILE=eager`, host/component/compile.ts) costs
 * and buys for `sm-hello`, against rusm's default (V8's lazy compilation), side by side in one
 * run. See README.md beside this file.
 *
 *     node scripts/bench/compile/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { alternate } from "../lib/sides.ts";
import { load } from "../lib/load.ts";
import { runMain } from "../lib/main.ts";
import { guestPath } from "../lib/paths.ts";
import { cpuMs, rssKiB } from "../lib/proc.ts";
import { describeLoad, fold } from "../lib/rate.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm, type RusmServer } from "../lib/rusm.ts";
import { quantile } from "../lib/stats.ts";

const PATH = "/sm";
const BODY = "hello from starlingmonkey\n";
const MODES = ["eager", "lazy"] as const;
type Mode = (typeof MODES)[number];

function server(mode: Mode): Promise<RusmServer> {
  return startRusm({
    components: { sm: guestPath("sm-hello") },
    routes: { [`GET ${PATH}`]: "sm" },
    env: { RUSM_COMPILE: mode },
  });
}

/** One cold start: until both listeners are up, then the first request. */
interface Start {
  listenMs: number;
  cpuMsAtListen: number;
  rssMiB: number;
  firstMs: number;
  firstCpuMs: number;
}

async function oneStart(mode: Mode, errors: string[]): Promise<Start> {
  const started = performance.now();
  const rusm = await server(mode);
  try {
    const listenMs = performance.now() - started;
    const pid = rusm.child.pid;
    const cpuMsAtListen = cpuMs(pid);
    const rssMiB = rssKiB(pid) / 1024;
    const t = performance.now();
    const res = await fetch(`${rusm.url}${PATH}`);
    const body = await res.text();
    const firstMs = performance.now() - t;
    if (res.status !== 200 || body !== BODY) {
      errors.push(
        `compile (${mode}): first request answered ${res.status} ${JSON.stringify(body)}`,
      );
    }
    return { listenMs, cpuMsAtListen, rssMiB, firstMs, firstCpuMs: cpuMs(pid) - cpuMsAtListen };
  } finally {
    await rusm.stop();
  }
}

function row(measure: string, eager: number, lazy: number, digits = 0): SummaryRow {
  return {
    bench: "compile",
    measure,
    rusm: num(eager, digits),
    baseline: num(lazy, digits),
    ratio: eager / lazy,
    target: "",
    meets: null,
  };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  // Cold starts: at least 3 a side (5 in a full run), alternating, medians.
  const starts = options.short ? 1 : Math.max(3, options.rounds + 2);
  const cold: Record<Mode, Start[]> = { eager: [], lazy: [] };
  log(
    `compile: ${starts} cold starts a side, alternating (RUSM_COMPILE=eager vs lazy, the default)`,
  );
  for (let i = 0; i < starts; i++) {
    for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
      const s = await oneStart(mode, errors);
      cold[mode].push(s);
      log(
        `  start ${i + 1}/${starts} ${mode.padEnd(5)} listening after ${num(s.listenMs)} ms ` +
          `(server CPU ${s.cpuMsAtListen} ms, RSS ${num(s.rssMiB)} MiB), first request ` +
          `${num(s.firstMs)} ms (server CPU ${s.firstCpuMs} ms)`,
      );
    }
  }
  const med = (mode: Mode, f: (s: Start) => number): number =>
    quantile(Float64Array.from(cold[mode].map(f)).sort(), 0.5);
  const rows: SummaryRow[] = [
    row(
      "start to listening, ms (median)",
      med("eager", (s) => s.listenMs),
      med("lazy", (s) => s.listenMs),
    ),
    row(
      "server CPU to listening, ms",
      med("eager", (s) => s.cpuMsAtListen),
      med("lazy", (s) => s.cpuMsAtListen),
    ),
    row(
      "server RSS MiB once listening",
      med("eager", (s) => s.rssMiB),
      med("lazy", (s) => s.rssMiB),
    ),
    row(
      "first request, ms",
      med("eager", (s) => s.firstMs),
      med("lazy", (s) => s.firstMs),
    ),
    row(
      "first request, server CPU ms",
      med("eager", (s) => s.firstCpuMs),
      med("lazy", (s) => s.firstCpuMs),
    ),
  ];

  // Later requests: one server a side, warmed up, alternating rounds at c=10.
  const [eager, lazy] = await Promise.all([server("eager"), server("lazy")]);
  try {
    for (const s of [eager, lazy]) await load(`${s.url}${PATH}`, 10, options.warmupSeconds);
    log(`compile: c=10, ${options.rounds} x ${options.seconds} s a side`);
    const [e, l] = await alternate(
      [
        {
          name: "eager",
          pid: eager.child.pid,
          measure: () => load(`${eager.url}${PATH}`, 10, options.seconds),
        },
        {
          name: "lazy",
          pid: lazy.child.pid,
          measure: () => load(`${lazy.url}${PATH}`, 10, options.seconds),
        },
      ],
      options.rounds,
      log,
      describeLoad,
    );
    const [fe, fl] = [fold(e!), fold(l!)];
    if (fe.failures + fl.failures > 0) errors.push("compile: failed requests in the rounds");
    rows.push(
      row("later requests: req/s, c=10 (higher is better)", fe.rps, fl.rps),
      row("later requests: server CPU µs/request", fe.cpuUsPerRequest, fl.cpuUsPerRequest),
      row("later requests: p50 ms", fe.p50, fl.p50, 2),
    );
  } finally {
    await Promise.all([eager.stop(), lazy.stop()]);
  }
  return { bench: "compile", rows, errors };
}

if (import.meta.main) await runMain("compile", run);
