/**
 * @module scripts/bench/lib/main
 * Running benchmarks from the command line: options, the machine line, the summary table,
 * the exit code (1 when a run was invalid; speed never fails a run).
 */
import { writeFile } from "node:fs/promises";
import {
  machineLine,
  parseArgs,
  summaryTable,
  type BenchOptions,
  type BenchReport,
} from "./report.ts";

export type Bench = (options: BenchOptions) => Promise<BenchReport>;

/** Runs `benches` in order; prints the summary; returns the exit code. */
export async function runBenches(
  benches: Array<[string, Bench]>,
  options: BenchOptions,
  json?: string,
): Promise<number> {
  const started = performance.now();
  const reports: BenchReport[] = [];
  options.log(machineLine());
  for (const [name, bench] of benches) {
    options.log(`\n== ${name} ==`);
    const benchStarted = performance.now();
    try {
      reports.push(await bench(options));
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      reports.push({ bench: name, rows: [], errors: [`${name} failed: ${message}`] });
    }
    options.log(`== ${name}: ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  }
  const rows = reports.flatMap((r) => r.rows);
  const errors = reports.flatMap((r) => r.errors);
  const secs = ((performance.now() - started) / 1000).toFixed(0);
  const out = [
    "",
    `rusm benchmarks${options.short ? " (--short: a smoke run, speed not judged)" : ""}, ${secs} s`,
    machineLine(),
    "",
    summaryTable(rows, options.short),
  ];
  if (errors.length > 0) out.push("", "INVALID RUN:", ...errors.map((e) => `- ${e}`));
  process.stdout.write(`${out.join("\n")}\n`);
  if (json !== undefined) {
    await writeFile(
      json,
      JSON.stringify({ short: options.short, machine: machineLine(), reports }, null, 2),
    );
  }
  return errors.length > 0 ? 1 : 0;
}

/** The entry point of a single benchmark file. */
export async function runMain(name: string, bench: Bench): Promise<void> {
  const { options, names, json } = parseArgs(process.argv.slice(2));
  if (names.length > 0) throw new Error(`${name}: unexpected arguments ${names.join(" ")}`);
  process.exitCode = await runBenches([[name, bench]], options, json);
}
