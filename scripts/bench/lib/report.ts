/**
 * @module scripts/bench/lib/report
 * What a benchmark returns (summary rows: rusm, its baseline, the ratio, the target),
 * the options every benchmark takes, and plain-text tables.
 */
import { execFileSync } from "node:child_process";
import { ROOT } from "./paths.ts";
import { machineLoad } from "./proc.ts";

/** The engines a TypeScript guest may be built with. */
export const TS_ENGINES = ["starlingmonkey", "quickjs"] as const;
export type TsEngine = (typeof TS_ENGINES)[number];

export interface BenchOptions {
  /** A smoke run: a couple of seconds a side, small N; speed is reported, never judged. */
  short: boolean;
  /** Seconds per measured round and side (hello, sse, jco-serve). */
  seconds: number;
  /** Measured rounds per side; sides alternate (A, B, A, B) so drift hits both. */
  rounds: number;
  /** Seconds of unmeasured load per server before its first round. */
  warmupSeconds: number;
  /** Parked streams counts for process-cost (b). */
  parkedCounts: number[];
  /** How long process-cost (b) waits for N streams to park, per step, s. */
  parkTimeoutSeconds: number;
  /** process-cost (b) stops a server whose RSS passes this, MiB (protects the machine). */
  rssLimitMb: number;
  /** Subscriber counts for fanout. */
  subscriberCounts: number[];
  /** Parked `live-tail` streams for the parked bench (capped by the fd limit). */
  parkedStreams: number;
  /**
   * The engine of the TypeScript guests (sm-hello, ts-live, ts-build): StarlingMonkey
   * (`<name>.wasm`, the default) or QuickJS (`<name>.qjs.wasm`); paths.ts {@link tsGuestPath}.
   */
  engine: TsEngine;
  /** Print progress lines. */
  log: (line: string) => void;
}

/** One line of the summary: a measure for rusm, the same for the baseline, and the ratio. */
export interface SummaryRow {
  bench: string;
  measure: string;
  rusm: string;
  baseline: string;
  /** rusm / baseline (whether higher is better is said in `measure`), or null. */
  ratio: number | null;
  /** The target for this row, e.g. `>= 0.1x`, or "". */
  target: string;
  /** Whether the target holds; null when there is none or the run was short. */
  meets: boolean | null;
}

export interface BenchReport {
  bench: string;
  rows: SummaryRow[];
  /** Problems that make the run invalid (wrong responses, a server that died). */
  errors: string[];
}

export function defaultOptions(short: boolean, log: (line: string) => void): BenchOptions {
  return short
    ? {
        short,
        seconds: 2,
        rounds: 1,
        warmupSeconds: 0.5,
        parkedCounts: [100],
        parkTimeoutSeconds: 60,
        rssLimitMb: 8192,
        subscriberCounts: [500],
        parkedStreams: 2000,
        engine: "starlingmonkey",
        log,
      }
    : {
        short,
        seconds: 5,
        rounds: 3,
        warmupSeconds: 2,
        parkedCounts: [1000, 5000],
        parkTimeoutSeconds: 1200,
        rssLimitMb: 8192,
        subscriberCounts: [1000, 5000],
        parkedStreams: 20_000,
        engine: "starlingmonkey",
        log,
      };
}

/**
 * Reads `--short`, `--seconds N`, `--rounds N`, `--warmup N`, `--parked N,M`,
 * `--park-timeout S`, `--rss-limit-mb M`, `--subscribers N,M`, `--parked-streams N`,
 * `--engine starlingmonkey|quickjs`, `--json FILE` and names.
 * Returns the options and the remaining (positional) arguments.
 */
export function parseArgs(argv: string[]): {
  options: BenchOptions;
  names: string[];
  json?: string;
} {
  const short = argv.includes("--short");
  const options = defaultOptions(short, (line) => process.stderr.write(`${line}\n`));
  const names: string[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--short") continue;
    else if (arg === "--seconds") options.seconds = Number(value());
    else if (arg === "--rounds") options.rounds = Number(value());
    else if (arg === "--warmup") options.warmupSeconds = Number(value());
    else if (arg === "--parked") options.parkedCounts = value().split(",").map(Number);
    else if (arg === "--park-timeout") options.parkTimeoutSeconds = Number(value());
    else if (arg === "--rss-limit-mb") options.rssLimitMb = Number(value());
    else if (arg === "--subscribers") options.subscriberCounts = value().split(",").map(Number);
    else if (arg === "--parked-streams") options.parkedStreams = Number(value());
    else if (arg === "--engine") {
      const engine = value();
      if (!TS_ENGINES.includes(engine as TsEngine)) {
        throw new Error(`--engine takes ${TS_ENGINES.join(" or ")}, not ${engine}`);
      }
      options.engine = engine as TsEngine;
    } else if (arg === "--json") json = value();
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const bad = [
    options.seconds,
    options.rounds,
    options.warmupSeconds,
    options.parkTimeoutSeconds,
    options.rssLimitMb,
    options.parkedStreams,
    ...options.parkedCounts,
    ...options.subscriberCounts,
  ];
  if (bad.some((n) => !Number.isFinite(n) || n < 0) || options.rounds < 1) {
    throw new Error("options take positive numbers");
  }
  return { options, names, json };
}

/** A ratio as `0.123x`. */
export function ratioText(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return "n/a";
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio >= 1 ? ratio.toFixed(2) : ratio.toFixed(3)}x`;
}

/** A number with thousands separators and `digits` decimals. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Formats rows as an aligned plain-text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The summary rows as a table. */
export function summaryTable(rows: SummaryRow[], short: boolean): string {
  return table(
    ["bench", "measure", "rusm", "baseline", "rusm/baseline", "target", "verdict"],
    rows.map((r) => [
      r.bench,
      r.measure,
      r.rusm,
      r.baseline,
      ratioText(r.ratio),
      r.target,
      r.target === ""
        ? ""
        : short
          ? "(short run: not judged)"
          : r.meets === null
            ? "n/a"
            : r.meets
              ? "meets"
              : "MISSES",
    ]),
  );
}

/** The rusm commit measured (`git describe --always --dirty`): the host changes between runs. */
function hostVersion(): string {
  try {
    return execFileSync("git", ["-C", ROOT, "describe", "--always", "--dirty"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

/** One line on the machine: CPUs and load, Node, the rusm commit, for the caveats next to every result. */
export function machineLine(): string {
  const { load1, cpus } = machineLoad();
  const busy = load1 > 0.5 ? " (other work is running: expect noise)" : "";
  return `machine: ${cpus} CPUs, load average ${load1.toFixed(2)}${busy}, Node ${process.version}, rusm ${hostVersion()}`;
}
