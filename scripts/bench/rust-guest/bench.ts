/**
 * @module scripts/bench/rust-guest
 * A Rust guest (`rs-handlers`, rusm_rs) against a TypeScript guest doing the same work
 * (`ts-handlers`, `rusm build`), side by side in one run: component size, per-request cost of
 * the same SSE action (`api#feed?n=10`) and HTTP action with params (`api#user`) under
 * autocannon c=10 (req/s, p50/p99, server CPU per request), and, without `--short`, the time
 * `rusm build` takes for each with its toolchain warm. Baseline: the TypeScript guest.
 * See README.md beside this file.
 *
 *     node scripts/bench/rust-guest/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPair } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { wallOnly } from "../lib/timed.ts";
import { NODE, ROOT, RUSM_BIN, guestPath } from "../lib/paths.ts";
import { CONNECTIONS, describeLoad, fold, type Folded } from "../lib/rate.ts";
import { load } from "../lib/load.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm, type RusmServer } from "../lib/rusm.ts";
import { alternate } from "../lib/sides.ts";
import { rawGet } from "../lib/wire.ts";

const BENCH = "rust-guest";
const ROUTES = { "GET /feed": "api#feed", "GET /users/:id": "api#user" };

function row(measure: string, rust: number, ts: number, digits = 0): SummaryRow {
  return {
    bench: BENCH,
    measure: `${measure}, Rust vs TypeScript (baseline)`,
    rusm: num(rust, digits),
    baseline: num(ts, digits),
    ratio: rust / ts,
    target: "",
    meets: null,
  };
}

/**
 * A raw response with its framing undone: the chunks (where they break depends on when the host
 * flushed, not on what the guest wrote) and the framing header itself, `transfer-encoding` or
 * `content-length` (StarlingMonkey declares a known body's length, which rusm honours; the Rust
 * SDK streams it chunked). Status, the other headers and the body bytes must be the same.
 */
export function unchunked(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) return raw;
  const head = raw
    .slice(0, split)
    .split("\r\n")
    .filter((line) => !/^(transfer-encoding|content-length):/i.test(line))
    .join("\r\n");
  if (!/^transfer-encoding: chunked$/im.test(raw.slice(0, split))) {
    return `${head}\r\n\r\n${raw.slice(split + 4)}`;
  }
  let rest = raw.slice(split + 4);
  let body = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = eol < 0 ? NaN : parseInt(rest.slice(0, eol), 16);
    if (!Number.isFinite(size) || size === 0) break;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return `${head}\r\n\r\n${body}`;
}

/** Same bytes from both guests (Date blanked, chunking undone), then alternating rounds. */
async function compare(
  what: string,
  rust: RusmServer,
  ts: RusmServer,
  path: string,
  options: BenchOptions,
  errors: string[],
): Promise<[Folded, Folded]> {
  const [rustRaw, tsRaw] = [
    unchunked(await rawGet(rust.url, path)),
    unchunked(await rawGet(ts.url, path)),
  ];
  if (rustRaw !== tsRaw) {
    errors.push(`${BENCH} ${what}: responses differ\n--- rust\n${rustRaw}\n--- ts\n${tsRaw}`);
  } else {
    options.log(`${what}: identical responses (${Buffer.byteLength(rustRaw, "latin1")} bytes)`);
  }
  await load(`${rust.url}${path}`, CONNECTIONS, options.warmupSeconds);
  await load(`${ts.url}${path}`, CONNECTIONS, options.warmupSeconds);
  const [r, t] = await alternate(
    [
      {
        name: "rust",
        pid: rust.child.pid,
        measure: () => load(`${rust.url}${path}`, CONNECTIONS, options.seconds),
      },
      {
        name: "ts",
        pid: ts.child.pid,
        measure: () => load(`${ts.url}${path}`, CONNECTIONS, options.seconds),
      },
    ],
    options.rounds,
    options.log,
    describeLoad,
  );
  const [rf, tf] = [fold(r!), fold(t!)];
  if (rf.failures + tf.failures > 0) errors.push(`${BENCH} ${what}: failed requests`);
  return [rf, tf];
}

function rateRows(what: string, r: Folded, t: Folded): SummaryRow[] {
  return [
    row(`${what} req/s (higher is better)`, r.rps, t.rps),
    row(`${what} p50 ms (lower is better)`, r.p50, t.p50, 2),
    row(`${what} p99 ms (lower is better)`, r.p99, t.p99, 2),
    row(`${what} server CPU µs/request (lower is better)`, r.cpuUsPerRequest, t.cpuUsPerRequest),
  ];
}

/** `rusm build <args>`, timed, in seconds. */
async function timedBuild(args: string[]): Promise<number> {
  return (await wallOnly(NODE, [RUSM_BIN, "build", ...args])).wallS;
}

/**
 * Warm builds: the TypeScript guest with no build cache; the Rust guest copied to a temp dir
 * (so its crate compiles) with cargo's target dir at build/rust-target, where
 * `npm run build:guests` compiled std and rusm_rs.
 */
async function buildRows(log: (line: string) => void): Promise<SummaryRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "rusm-bench-rust-"));
  try {
    const crate = join(dir, "rs-handlers");
    await cp(join(ROOT, "guests", "rs-handlers"), crate, { recursive: true });
    const manifest = join(crate, "Cargo.toml");
    const sdk = join(ROOT, "sdk", "rust");
    await writeFile(
      manifest,
      (await readFile(manifest, "utf8")).replace(
        'path = "../../sdk/rust"',
        `path = ${JSON.stringify(sdk)}`,
      ),
    );
    const rust = await timedBuild([
      crate,
      "-o",
      join(dir, "rs.wasm"),
      "--cache-dir",
      join(ROOT, "build"),
    ]);
    const ts = await timedBuild([
      join(ROOT, "guests", "ts-handlers", "guest.ts"),
      "-o",
      join(dir, "ts.wasm"),
      "--cache-dir",
      join(dir, "cache"),
    ]);
    log(
      `build: rust ${rust.toFixed(1)} s (std and rusm_rs cached), ts ${ts.toFixed(1)} s (no cache)`,
    );
    return [row("rusm build s, warm toolchain (lower is better)", rust, ts, 1)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const rows: SummaryRow[] = [];
  const [rustWasm, tsWasm] = [guestPath("rs-handlers"), guestPath("ts-handlers")];
  const [rustSize, tsSize] = [(await stat(rustWasm)).size, (await stat(tsWasm)).size];
  rows.push(row("component KB (lower is better)", rustSize / 1024, tsSize / 1024, 1));
  // Separate servers: both export module `api`, which must be unique within one server.
  const [rust, ts] = await startPair(
    () => startRusm({ components: { rs: rustWasm }, routes: ROUTES }),
    () => startRusm({ components: { ts: tsWasm }, routes: ROUTES }),
  );
  try {
    const [rf, tf] = await compare("sse feed?n=10", rust, ts, "/feed?n=10", options, errors);
    rows.push(...rateRows("sse feed?n=10", rf, tf));
    const [ru, tu] = await compare("http user/42", rust, ts, "/users/42", options, errors);
    rows.push(...rateRows("http user/42", ru, tu));
    // A request still in flight when a round's clients close ends `disconnected`; a crash
    // (trap, oom) makes the run invalid.
    for (const [name, server] of [
      ["rust", rust],
      ["ts", ts],
    ] as const) {
      const exits = await server.metric("rusm_process_exits_total");
      const crashed =
        (await server.metric("rusm_process_exits_total", { reason: "trap" })) +
        (await server.metric("rusm_process_exits_total", { reason: "oom" }));
      options.log(`${name}: ${num(exits)} processes, ${crashed} crashed`);
      if (crashed > 0) errors.push(`${BENCH}: ${crashed} ${name} processes crashed`);
    }
  } finally {
    await Promise.all([rust.stop(), ts.stop()]);
  }
  if (!options.short) rows.push(...(await buildRows(options.log)));
  return { bench: BENCH, rows, errors };
}

if (import.meta.main) await runMain(BENCH, run);
