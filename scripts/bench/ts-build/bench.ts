/**
 * @module scripts/bench/ts-build
 * A TypeScript guest's build: `rusm build guests/ts-live/guest.ts` (a small guest of the SDK:
 * broker + sse.run handler modules) with an empty build cache, against esbuild bundling the same
 * file into one ES module (the step every JS toolchain has; rusm build starts with it), side by
 * side, rounds alternating. Per side: wall seconds, CPU seconds and peak RSS of the build's
 * process tree. With `--engine quickjs` the engine itself (QuickJS compiled by clang, once per
 * machine and cached) is built first, unmeasured in the rounds and reported on a row of its own;
 * each round's cache starts with that engine and nothing else. See README.md beside this file.
 *
 *     node scripts/bench/ts-build/bench.ts [--short] [--rounds N] [--engine starlingmonkey|quickjs]
 */
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "../lib/main.ts";
import { timed, type Build } from "../lib/timed.ts";
import { NODE, ROOT, RUSM_BIN } from "../lib/paths.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";

/** The target from issue 16: a TypeScript guest builds in 5 s or less. */
export const TS_BUILD_TARGET_S = 5;

const ENTRY = join(ROOT, "guests", "ts-live", "guest.ts");
const ESBUILD = join(ROOT, "node_modules", "esbuild", "bin", "esbuild");
/** A component's preamble: `\0asm`, version 0x0d, layer 1. */
const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** QuickJS's engine, compiled once per machine, kept in a build cache's `quickjs/` folder. */
const ENGINE_CACHE = "quickjs";

async function rusmBuild(
  dir: string,
  round: number | "engine",
  options: BenchOptions,
): Promise<Build> {
  const out = join(dir, `guest-${round}.wasm`);
  const engine = options.engine === "quickjs" ? ["--engine", "quickjs"] : [];
  // A cache of its own each round: nothing of an earlier build is reused but QuickJS's engine.
  const cache = join(dir, `cache-${round}`);
  if (round !== "engine" && options.engine === "quickjs") {
    await cp(join(dir, "cache-engine", ENGINE_CACHE), join(cache, ENGINE_CACHE), {
      recursive: true,
    });
  }
  const build = await timed(NODE, [
    RUSM_BIN,
    "build",
    ENTRY,
    "-o",
    out,
    "--cache-dir",
    cache,
    ...engine,
  ]);
  const head = [...(await readFile(out)).subarray(0, 8)];
  if (head.join() !== COMPONENT_PREAMBLE.join()) throw new Error(`${out} is not a component`);
  return build;
}

async function esbuild(dir: string, round: number): Promise<Build> {
  const out = join(dir, `bundle-${round}.js`);
  const build = await timed(ESBUILD, [
    ENTRY,
    "--bundle",
    "--format=esm",
    "--platform=neutral",
    "--target=es2022",
    "--main-fields=module,main",
    "--external:rusm:*",
    "--external:wasi:*",
    "--log-level=warning",
    `--outfile=${out}`,
  ]);
  if ((await readFile(out, "utf8")).length === 0) throw new Error(`${out} is empty`);
  return build;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), "rusm-bench-build-"));
  const sides: Record<"rusm" | "esbuild", Build[]> = { rusm: [], esbuild: [] };
  let engineBuild: Build | null = null;
  try {
    log(`ts-build: ${ENTRY}, engine ${options.engine}, ${options.rounds} round(s) a side`);
    if (options.engine === "quickjs") {
      engineBuild = await rusmBuild(dir, "engine", options);
      log(`  QuickJS's engine and a first build: ${num(engineBuild.wallS, 2)} s wall (once)`);
    }
    for (let round = 0; round < options.rounds; round++) {
      // Alternating order, so drift on a shared machine hits both sides alike.
      const order =
        round % 2 === 0 ? (["esbuild", "rusm"] as const) : (["rusm", "esbuild"] as const);
      for (const side of order) {
        try {
          const b =
            side === "rusm" ? await rusmBuild(dir, round, options) : await esbuild(dir, round);
          sides[side].push(b);
          log(
            `  ${side}: ${num(b.wallS, 2)} s wall, ${num(b.cpuS, 2)} s CPU, peak ${num(b.peakMiB)} MiB`,
          );
        } catch (err) {
          errors.push(`ts-build ${side}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const row = (measure: string, f: (b: Build) => number, digits: number): SummaryRow => {
    const [r, e] = [sides.rusm.map(f), sides.esbuild.map(f)];
    const [rv, ev] = [r.length > 0 ? median(r) : NaN, e.length > 0 ? median(e) : NaN];
    return {
      bench: "ts-build",
      measure,
      rusm: r.length > 0 ? num(rv, digits) : "failed",
      baseline: e.length > 0 ? num(ev, digits) : "failed",
      ratio: ev > 0 ? rv / ev : null,
      target: "",
      meets: null,
    };
  };
  const wall = row("build s, wall, median (lower is better)", (b) => b.wallS, 2);
  wall.target = `<= ${TS_BUILD_TARGET_S} s`;
  wall.meets =
    sides.rusm.length > 0 ? median(sides.rusm.map((b) => b.wallS)) <= TS_BUILD_TARGET_S : false;
  const once: SummaryRow[] =
    engineBuild === null
      ? []
      : [
          {
            bench: "ts-build",
            measure: "first build on a machine, QuickJS's engine compiled, s (not in the median)",
            rusm: num(engineBuild.wallS, 2),
            baseline: "",
            ratio: null,
            target: "",
            meets: null,
          },
        ];
  return {
    bench: "ts-build",
    rows: [
      ...once,
      wall,
      row("build CPU s (user + system), median (lower is better)", (b) => b.cpuS, 2),
      row("build peak RSS MiB, largest process (lower is better)", (b) => b.peakMiB, 0),
    ],
    errors,
  };
}

if (import.meta.main) await runMain("ts-build", run);
