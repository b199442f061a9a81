/**
 * @module scripts/bench/preempt/bench
 * What preemption checks cost: (a) the run time of compute-heavy WAT functions rewritten by
 * host/preempt/instrument in each placement, against the same function uninstrumented, in one
 * run (sides alternate per round; median per side), with a cheap `tick` returning 100,000
 * fuel; (b) the rewriter itself on StarlingMonkey's 14 MB engine module: time and size growth
 * per placement; (c) served: request latency of a compute-heavy WAT guest and of a
 * StarlingMonkey JS loop per `preempt` placement, on one real `rusm serve` (serve.ts). See
 * README.md.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parse, transpile } from "@bytecodealliance/jco";

import {
  instrumentModule,
  PREEMPT_MODULE,
  type Placement,
} from "../../../host/preempt/instrument.ts";
import { runMain } from "../lib/main.ts";
import { ROOT } from "../lib/paths.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { quantile } from "../lib/stats.ts";
import { GUESTS, type ComputeGuest } from "./guests.ts";
import { serveRows } from "./serve.ts";

const PLACEMENTS: readonly Placement[] = ["loops", "calls", "kill"];
type Side = Placement | "none";
const SIDES: readonly Side[] = ["none", ...PLACEMENTS];
const FUEL = 100_000;
/** Targets of issue 6 for the rewriter on StarlingMonkey's module. */
const SM_MAX_MS = 1000;
const SM_MAX_GROWTH = 1.1;

type Run = (arg: number) => number;

function instantiate(bytes: Uint8Array): Run {
  const module = new WebAssembly.Module(bytes);
  const tick = (): number => FUEL;
  const flag = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const provided: Record<string, unknown> = { tick, yield: tick, flag };
  const wanted = WebAssembly.Module.imports(module).filter((i) => i.module === PREEMPT_MODULE);
  const imports = {
    [PREEMPT_MODULE]: Object.fromEntries(wanted.map((i) => [i.name, provided[i.name]])),
  };
  const instance = new WebAssembly.Instance(module, imports);
  return instance.exports.run as Run;
}

const median = (xs: number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

async function computeRows(guest: ComputeGuest, runs: number, log: BenchOptions["log"]) {
  const plain = await parse(guest.wat);
  const fns = new Map<Side, Run>([["none", instantiate(plain)]]);
  for (const placement of PLACEMENTS) {
    const out = instrumentModule(plain, { placement, entryExport: () => false });
    fns.set(placement, instantiate(out.bytes));
  }
  const expected = fns.get("none")!(guest.arg);
  const times = new Map<Side, number[]>(SIDES.map((s) => [s, []]));
  const errors: string[] = [];
  for (const side of SIDES) fns.get(side)!(guest.arg); // warm-up: tier-up, caches
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      const started = performance.now();
      const result = fns.get(side)!(guest.arg);
      times.get(side)!.push(performance.now() - started);
      if (result !== expected)
        errors.push(`${guest.name} ${side}: ${result}, expected ${expected}`);
    }
  }
  const base = median(times.get("none")!);
  log(`${guest.name}: uninstrumented ${base.toFixed(1)} ms (median of ${runs})`);
  const rows: SummaryRow[] = PLACEMENTS.map((placement) => {
    const t = median(times.get(placement)!);
    return {
      bench: "preempt",
      measure: `${guest.name} time, ${placement} (lower is better)`,
      rusm: `${num(t, 1)} ms`,
      baseline: `${num(base, 1)} ms`,
      ratio: t / base,
      target: "",
      meets: null,
    };
  });
  return { rows, errors };
}

/** The largest core module of a built StarlingMonkey guest, or null when none is built. */
async function engineModule(): Promise<Uint8Array | null> {
  for (const name of ["sm-hello", "ts-handlers", "http-echo"]) {
    const path = join(ROOT, "build", "guests", `${name}.wasm`);
    if (!existsSync(path)) continue;
    const { files } = await transpile(await readFile(path), { name });
    const modules = Object.entries(files).filter(([file]) => file.endsWith(".wasm"));
    return modules.map(([, bytes]) => bytes).sort((a, b) => b.length - a.length)[0] ?? null;
  }
  return null;
}

function engineRows(engine: Uint8Array, runs: number, log: BenchOptions["log"]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const placement of PLACEMENTS) {
    const ms: number[] = [];
    let size = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const out = instrumentModule(engine, {
        placement,
        entryExport: (name) => name.startsWith("wasi:http/incoming-handler@"),
      });
      ms.push(performance.now() - started);
      size = out.bytes.length;
      if (i === 0) log(`SM ${placement}: ${out.yieldChecks} yield, ${out.killChecks} kill checks`);
    }
    const t = median(ms);
    rows.push(
      {
        bench: "preempt",
        measure: `SM engine: instrument ms, ${placement}`,
        rusm: `${num(t)} ms`,
        baseline: `${num(engine.length / 1e6, 1)} MB in`,
        ratio: null,
        target: `<= ${SM_MAX_MS} ms`,
        meets: t <= SM_MAX_MS,
      },
      {
        bench: "preempt",
        measure: `SM engine: size after / before, ${placement}`,
        rusm: `${num(size)} B`,
        baseline: `${num(engine.length)} B`,
        ratio: size / engine.length,
        target: `<= ${SM_MAX_GROWTH}x`,
        meets: size / engine.length <= SM_MAX_GROWTH,
      },
    );
  }
  return rows;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const runs = options.short ? 3 : Math.max(7, options.rounds * 3);
  const rows: SummaryRow[] = [];
  const errors: string[] = [];
  for (const guest of GUESTS) {
    const result = await computeRows(guest, runs, options.log);
    rows.push(...result.rows);
    errors.push(...result.errors);
  }
  const engine = await engineModule();
  if (engine === null) {
    errors.push(
      "no StarlingMonkey guest is built (build/guests/sm-hello.wasm): npm run build:guests",
    );
  } else rows.push(...engineRows(engine, options.short ? 1 : 3, options.log));
  rows.push(...(await serveRows(options, errors)));
  return { bench: "preempt", rows, errors };
}

if (import.meta.main) await runMain("preempt", run);
