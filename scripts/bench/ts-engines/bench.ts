/**
 * @module scripts/bench/ts-engines
 * The two engines of a TypeScript guest side by side in one run (issue 16 part 3): the same
 * guests built by `rusm build` with QuickJS (`<name>.qjs.wasm`, the "rusm" column) and with
 * StarlingMonkey (`<name>.wasm`, the "baseline" column). Per engine, one `rusm serve`
 * (`workers = 1`) serving `ts-handlers` and `ts-live`:
 *
 * - hello: `GET /users/7` (`api#user`, a JSON answer), autocannon c=10: req/s and server CPU
 *   µs per request;
 * - parked live tails: N subscribers of `live#news` (`broker.subscribe` + `sse.run`), each a
 *   process parked in its mailbox: server RSS per subscriber (RSS after - before, / N) at each
 *   N (QuickJS: `--parked`, 1,000 then 5,000; StarlingMonkey: 200), then one publish → all
 *   delivered;
 * - build: `rusm build` of guests/ts-live in a process of its own, no build cache: wall time
 *   and peak RSS with its children (QuickJS's engine, compiled once per machine, is cached).
 *
 *     node scripts/bench/ts-engines/bench.ts [--short] [--seconds N] [--parked 1000,5000]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { messageText, nowNs } from "../fanout/message.ts";
import { startPublisher } from "../fanout/publisher.ts";
import { startSubscribers } from "../fanout/subscribers.ts";
import { load, type LoadResult } from "../lib/load.ts";
import { runMain } from "../lib/main.ts";
import { NODE, ROOT, tsGuestPath } from "../lib/paths.ts";
import { cpuMs, rssKiB, sleep } from "../lib/proc.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";

const ENGINES = ["quickjs", "starlingmonkey"] as const;
type Engine = (typeof ENGINES)[number];

/** The targets for a TypeScript guest. */
const TARGET = { parkedKiB: 1024, rps: 1000, buildSeconds: 5 };

interface EngineResult {
  hello: LoadResult & { cpuUsPerRequest: number };
  /** RSS per parked tail at each count, in order. */
  perTail: Array<{ n: number; kib: number }>;
  /** One publish → every parked tail (the largest count) read it. */
  deliveredMs: number;
  build: { ms: number; maxRssKiB: number; bytes: number };
}

async function measureServer(
  engine: Engine,
  parked: readonly number[],
  options: BenchOptions,
  errors: string[],
) {
  const log = options.log;
  const rusm = await startRusm({
    components: { api: tsGuestPath("ts-handlers", engine), live: tsGuestPath("ts-live", engine) },
    routes: {
      "GET /users/:id": "api#user",
      "GET /news": "live#news",
      "POST /publish/:topic": "live#publish",
    },
    raiseFdLimit: true,
  });
  try {
    const pid = rusm.child.pid;
    const res = await fetch(`${rusm.url}/users/7`);
    const body = await res.text();
    if (res.status !== 200 || !body.includes('"id":"7"')) {
      errors.push(`ts-engines (${engine}): GET /users/7 answered ${res.status} ${body}`);
    }
    await load(`${rusm.url}/users/7`, 10, options.warmupSeconds);
    const cpu0 = cpuMs(pid);
    const hello = await load(`${rusm.url}/users/7`, 10, options.seconds);
    const cpuUsPerRequest = ((cpuMs(pid) - cpu0) * 1000) / Math.max(1, hello.requests);
    if (hello.failures > 0) errors.push(`ts-engines (${engine}): ${hello.failures} failed hellos`);
    log(`  ${engine}: hello ${num(hello.rps)} req/s, ${num(cpuUsPerRequest)} µs CPU/request`);

    await sleep(1000);
    const before = rssKiB(pid);
    const subs = await startSubscribers(rusm.url, "/news?hb=600000");
    try {
      // Step by step up to the largest count: RSS per tail at each.
      const perTail: Array<{ n: number; kib: number }> = [];
      let opened = 0;
      for (const n of parked) {
        opened = await subs.open(n - opened);
        await sleep(2000);
        perTail.push({ n: opened, kib: (rssKiB(pid) - before) / opened });
        log(`  ${engine}: ${opened} parked, ${num(perTail.at(-1)!.kib)} KiB RSS each`);
      }
      const publisher = startPublisher(rusm.url);
      const sent = nowNs();
      const delivered = await publisher.publish("news", messageText(0, sent));
      const got = await subs.delivered(0, 60_000);
      publisher.close();
      if (delivered !== opened) {
        errors.push(`ts-engines (${engine}): publish reached ${delivered} of ${opened}`);
      }
      return {
        hello: { ...hello, cpuUsPerRequest },
        perTail,
        deliveredMs: (got.lastNs - sent) / 1e6,
      };
    } finally {
      await subs.stop();
    }
  } finally {
    await rusm.stop();
  }
}

/**
 * GNU time's peak RSS covers the build's children (StarlingMonkey's componentize runs in one:
 * host/toolchain/componentize-child.ts); without /usr/bin/time, the build process's own.
 */
const GNU_TIME = "/usr/bin/time";

function measureBuild(engine: Engine, dir: string): EngineResult["build"] {
  const args = [
    join(import.meta.dirname, "build-once.ts"),
    join(ROOT, "guests", "ts-live", "guest.ts"),
    join(dir, `ts-live-${engine}.wasm`),
    engine,
  ];
  const timeFile = join(dir, `time-${engine}.txt`);
  const [command, argv] = existsSync(GNU_TIME)
    ? [GNU_TIME, ["-f", "%M", "-o", timeFile, NODE, ...args]]
    : [NODE, args];
  const out = spawnSync(command, argv, { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`build with ${engine} failed: ${out.stderr}`);
  const result = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as EngineResult["build"];
  if (existsSync(timeFile)) {
    const kib = Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1));
    if (kib > 0) result.maxRssKiB = kib;
  }
  return result;
}

function rows(q: EngineResult, s: EngineResult): SummaryRow[] {
  const row = (
    measure: string,
    f: (r: EngineResult) => number,
    digits: number,
    target = "",
    meets: boolean | null = null,
  ): SummaryRow => ({
    bench: "ts-engines",
    measure,
    rusm: num(f(q), digits),
    baseline: num(f(s), digits),
    ratio: f(q) / f(s),
    target,
    meets: target === "" ? null : meets,
  });
  return [
    row(
      "hello req/s, quickjs vs starlingmonkey (higher is better)",
      (r) => r.hello.rps,
      0,
      `>= ${num(TARGET.rps)}`,
      q.hello.rps >= TARGET.rps,
    ),
    row("hello server CPU µs/request (lower is better)", (r) => r.hello.cpuUsPerRequest, 0),
    row("hello p50 ms (lower is better)", (r) => r.hello.p50, 2),
    ...q.perTail.map((at) =>
      row(
        `RSS KiB per parked live tail, quickjs at ${num(at.n)} vs starlingmonkey at ${num(s.perTail.at(-1)!.n)} (lower is better)`,
        (r) => (r === q ? at.kib : r.perTail.at(-1)!.kib),
        0,
        `<= ${TARGET.parkedKiB}`,
        at.kib <= TARGET.parkedKiB,
      ),
    ),
    row(
      `one publish → all delivered ms, ${num(q.perTail.at(-1)!.n)} vs ${num(s.perTail.at(-1)!.n)} tails (lower is better)`,
      (r) => r.deliveredMs,
      1,
    ),
    row(
      "build ts-live s (lower is better)",
      (r) => r.build.ms / 1000,
      1,
      `<= ${TARGET.buildSeconds}`,
      q.build.ms / 1000 <= TARGET.buildSeconds,
    ),
    row("build peak RSS MiB (lower is better)", (r) => r.build.maxRssKiB / 1024, 0),
    row("component MB", (r) => r.build.bytes / 1_048_576, 1),
  ];
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  // QuickJS at each `--parked` count (1,000 and 5,000; 100 with --short); StarlingMonkey's
  // ~10 MiB per parked process bounds its N on a shared 2-core machine.
  const parked = {
    quickjs: [...options.parkedCounts].sort((a, b) => a - b),
    starlingmonkey: [options.short ? 20 : 200],
  };
  const dir = await mkdtemp(join(tmpdir(), "rusm-ts-engines-"));
  const results: Partial<Record<Engine, EngineResult>> = {};
  try {
    for (const engine of ENGINES) {
      options.log(`ts-engines: ${engine}`);
      const build = measureBuild(engine, dir);
      options.log(`  ${engine}: build ${num(build.ms / 1000, 1)} s`);
      const served = await measureServer(engine, parked[engine], options, errors);
      results[engine] = { ...served, build };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { bench: "ts-engines", rows: rows(results.quickjs!, results.starlingmonkey!), errors };
}

if (import.meta.main) await runMain("ts-engines", run);
