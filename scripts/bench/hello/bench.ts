/**
 * @module scripts/bench/hello
 * Hello-world requests/s: `rusm serve` with `http-hello` (a fresh component instance per
 * request) against a plain node:http server sending the same bytes, side by side in one run.
 * See README.md beside this file.
 *
 *     node scripts/bench/hello/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { combine, load, type LoadResult } from "../lib/load.ts";
import { guestPath } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { num, type BenchOptions, type BenchReport } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { alternate, type Measured } from "../lib/sides.ts";
import { rawGet } from "../lib/wire.ts";
import { runMain } from "../lib/main.ts";

/** autocannon connections, as the issue asks. */
export const CONNECTIONS = 10;

/** The target from the issue: hello at 0.1x plain Node or better. */
export const HELLO_TARGET = 0.1;

export function describeLoad(r: LoadResult): string {
  return `${num(r.rps)} req/s, p50 ${num(r.p50, 2)} ms, p99 ${num(r.p99, 2)} ms${r.failures > 0 ? `, ${r.failures} FAILED` : ""}`;
}

/** Folds a side's rounds: combined load plus server CPU µs per request. */
export function fold(
  rounds: Array<Measured<LoadResult>>,
): LoadResult & { cpuUsPerRequest: number } {
  const total = combine(rounds.map((r) => r.result));
  const cpu = rounds.reduce((s, r) => s + r.cpuMs, 0);
  return { ...total, cpuUsPerRequest: (cpu * 1000) / Math.max(1, total.requests) };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const guest = guestPath("http-hello");
  const plain = await startPlain();
  const rusm = await startRusm({ components: { hello: guest }, routes: { "GET /": "hello" } });
  try {
    const [plainRaw, rusmRaw] = [await rawGet(plain.url, "/"), await rawGet(rusm.url, "/")];
    if (plainRaw !== rusmRaw) {
      errors.push(`hello: responses differ\n--- plain\n${plainRaw}\n--- rusm\n${rusmRaw}`);
    } else {
      log(
        `hello: identical responses (${Buffer.byteLength(rusmRaw, "latin1")} bytes, Date blanked)`,
      );
    }
    log(
      `hello: warm-up ${options.warmupSeconds} s per side, then ${options.rounds} x ${options.seconds} s per side, c=${CONNECTIONS}`,
    );
    await load(plain.url, CONNECTIONS, options.warmupSeconds);
    await load(rusm.url, CONNECTIONS, options.warmupSeconds);
    const [plainRounds, rusmRounds] = await alternate(
      [
        {
          name: "plain",
          pid: plain.child.pid,
          measure: () => load(plain.url, CONNECTIONS, options.seconds),
        },
        {
          name: "rusm",
          pid: rusm.child.pid,
          measure: () => load(rusm.url, CONNECTIONS, options.seconds),
        },
      ],
      options.rounds,
      log,
      describeLoad,
    );
    const p = fold(plainRounds!);
    const r = fold(rusmRounds!);
    for (const [name, side] of [
      ["plain", p],
      ["rusm", r],
    ] as const) {
      if (side.failures > 0) errors.push(`hello: ${side.failures} failed requests against ${name}`);
    }
    const exits = await rusm.metric("rusm_process_exits_total");
    const normal = await rusm.metric("rusm_process_exits_total", { reason: "normal" });
    if (exits !== normal) errors.push(`hello: ${exits - normal} rusm processes ended abnormally`);
    log(`hello: rusm served ${num(exits)} processes, all exited normally: ${exits === normal}`);
    const rows = [
      {
        measure: "req/s (higher is better)",
        rusm: num(r.rps),
        baseline: num(p.rps),
        ratio: r.rps / p.rps,
        target: `>= ${HELLO_TARGET}x`,
        meets: r.rps / p.rps >= HELLO_TARGET,
      },
      {
        measure: "p50 latency ms (lower is better)",
        rusm: num(r.p50, 2),
        baseline: num(p.p50, 2),
        ratio: r.p50 / p.p50,
      },
      {
        measure: "p99 latency ms (lower is better)",
        rusm: num(r.p99, 2),
        baseline: num(p.p99, 2),
        ratio: r.p99 / p.p99,
      },
      {
        measure: "server CPU µs/request (lower is better)",
        rusm: num(r.cpuUsPerRequest),
        baseline: num(p.cpuUsPerRequest),
        ratio: r.cpuUsPerRequest / p.cpuUsPerRequest,
      },
    ];
    return {
      bench: "hello",
      rows: rows.map((row) => ({ bench: "hello", target: "", meets: null, ...row })),
      errors,
    };
  } finally {
    await Promise.all([plain.stop(), rusm.stop()]);
  }
}

if (import.meta.main) await runMain("hello", run);
