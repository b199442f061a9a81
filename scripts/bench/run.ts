/**
 * @module scripts/bench/run
 * Runs the benchmarks (all, or the named ones) and prints one summary table of ratios
 * rusm / baseline. See README.md beside this file.
 *
 *     npm run bench -- [hello] [sm-hello] [sse] [process-cost] [jco-serve] [fanout] [parked]
 *                      [workers] [preempt] [rust-guest] [compile] [ts-live] [ts-build]
 *                      [ts-engines] [websocket]
 *                      [ts-engines] [outbound-proxy] [http2]
 *                      [--short] [--json FILE] [--seconds N] [--rounds N] [--warmup N]
 *                      [--parked 1000,5000] [--park-timeout S] [--rss-limit-mb M]
 *                      [--subscribers 1000,5000] [--parked-streams 20000]
 *                      [--engine starlingmonkey|quickjs]
 *
 * `--short` is a smoke run (well under 2 minutes): every bench runs briefly and must produce
 * valid results (right responses, no crash), but speed is never judged. The exit code is 1
 * only for an invalid run.
 */
import { run as compile } from "./compile/bench.ts";
import { run as fanout } from "./fanout/bench.ts";
import { run as hello } from "./hello/bench.ts";
import { run as http2 } from "./http2/bench.ts";
import { run as jcoServe } from "./jco-serve/bench.ts";
import { runBenches, type Bench } from "./lib/main.ts";
import { run as outboundProxy } from "./outbound-proxy/bench.ts";
import { parseArgs } from "./lib/report.ts";
import { run as parked } from "./parked/bench.ts";
import { run as preempt } from "./preempt/bench.ts";
import { run as processCost } from "./process-cost/bench.ts";
import { run as rustGuest } from "./rust-guest/bench.ts";
import { run as smHello } from "./sm-hello/bench.ts";
import { run as sse } from "./sse/bench.ts";
import { run as tsBuild } from "./ts-build/bench.ts";
import { run as tsEngines } from "./ts-engines/bench.ts";
import { run as tsLive } from "./ts-live/bench.ts";
import { run as websocket } from "./websocket/bench.ts";
import { run as workers } from "./workers/bench.ts";

const BENCHES: Record<string, Bench> = {
  hello,
  "sm-hello": smHello,
  sse,
  "process-cost": processCost,
  "jco-serve": jcoServe,
  fanout,
  parked,
  workers,
  preempt,
  "rust-guest": rustGuest,
  compile,
  "ts-live": tsLive,
  "ts-build": tsBuild,
  "ts-engines": tsEngines,
  websocket,
  "outbound-proxy": outboundProxy,
  http2,
};

const { options, names, json } = parseArgs(process.argv.slice(2));
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown bench ${unknown.join(", ")}; known: ${Object.keys(BENCHES).join(", ")}\n`,
  );
  process.exit(2);
}
const chosen = names.length > 0 ? names : Object.keys(BENCHES);
process.exitCode = await runBenches(
  chosen.map((name) => [name, BENCHES[name]!]),
  options,
  json,
);
