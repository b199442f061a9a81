/**
 * @module scripts/bench/workers
 * Every core: hello requests/s from `rusm serve` with one worker thread against the same
 * server with one worker per core (`[serve] workers`), side by side in one run. The ratio is
 * all-cores / one. The client is lean-load.ts, not autocannon: it shares the cores with the
 * server. See README.md beside this file.
 *
 *     node scripts/bench/workers/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { availableParallelism } from "node:os";
import { startPair } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { guestPath } from "../lib/paths.ts";
import { checkExits, describeLoad, fold } from "../lib/rate.ts";
import { num, type BenchOptions, type BenchReport } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { alternate } from "../lib/sides.ts";
import { rawGet } from "../lib/wire.ts";
import { leanLoad } from "./lean-load.ts";

/** The target of issue 6 on a 2-core machine: all cores at 1.7x one worker or better. */
export const WORKERS_TARGET = 1.7;

/**
 * Connections: the kernel gives each connection to one worker (SO_REUSEPORT hashes the
 * 4-tuple), so with few keep-alive connections one worker may get most of them; 32 keeps
 * the split near even.
 */
export const WORKERS_CONNECTIONS = 32;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const log = options.log;
  const cores = availableParallelism();
  const config = { components: { hello: guestPath("http-hello") }, routes: { "GET /": "hello" } };
  const [one, all] = await startPair(
    () => startRusm({ ...config, workers: 1 }),
    () => startRusm({ ...config, workers: cores }),
  );
  try {
    const [a, b] = [await rawGet(one.url, "/"), await rawGet(all.url, "/")];
    if (a !== b) errors.push(`workers: 1 worker and ${cores} answer differently\n${a}\n---\n${b}`);
    log(
      `workers: warm-up ${options.warmupSeconds} s per side, then ${options.rounds} x ${options.seconds} s per side, c=${WORKERS_CONNECTIONS}`,
    );
    for (const server of [one, all]) {
      await leanLoad(`${server.url}/`, WORKERS_CONNECTIONS, options.warmupSeconds);
    }
    const [oneRounds, allRounds] = await alternate(
      [one, all].map((server, i) => ({
        name: i === 0 ? "1 worker" : `${cores} workers`,
        pid: server.child.pid,
        measure: () => leanLoad(`${server.url}/`, WORKERS_CONNECTIONS, options.seconds),
      })),
      options.rounds,
      log,
      describeLoad,
    );
    const o = fold(oneRounds!);
    const w = fold(allRounds!);
    for (const [name, side] of [
      ["1 worker", o],
      [`${cores} workers`, w],
    ] as const) {
      if (side.failures > 0) errors.push(`workers: ${side.failures} failed requests (${name})`);
    }
    for (const server of [one, all])
      await checkExits("workers", server, options.rounds + 1, WORKERS_CONNECTIONS, errors, log);
    if ((await all.metric("rusm_workers")) !== cores) {
      errors.push(`workers: the all-cores server does not report ${cores} workers`);
    }
    const ratio = w.rps / o.rps;
    const row = (measure: string, x: number, y: number, digits = 0) => ({
      bench: "workers",
      measure: `${measure}, ${cores} workers vs 1 (baseline column = 1 worker)`,
      rusm: num(x, digits),
      baseline: num(y, digits),
      ratio: x / y,
      target: "",
      meets: null,
    });
    return {
      bench: "workers",
      rows: [
        {
          ...row("hello req/s (higher is better)", w.rps, o.rps),
          target: cores === 2 ? `>= ${WORKERS_TARGET}x` : "",
          meets: cores === 2 ? ratio >= WORKERS_TARGET : null,
        },
        row("p50 latency ms (lower is better)", w.p50, o.p50, 2),
        row("p99 latency ms (lower is better)", w.p99, o.p99, 2),
        row("server CPU µs/request (lower is better)", w.cpuUsPerRequest, o.cpuUsPerRequest),
      ],
      errors,
    };
  } finally {
    await Promise.all([one.stop(), all.stop()]);
  }
}

if (import.meta.main) await runMain("workers", run);
