/**
 * @module test/helpers/rusm
 * Starts a real `rusm serve` child process on 127.0.0.1 (ports picked by the OS) with a routes
 * file written for the test, and reads what it prints: the listening addresses, its JSON log
 * lines, and its admin /metrics.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect } from "vitest";
import {
  metricSum,
  parseLogLines,
  scrape,
  spawnRusm,
  stopServer,
} from "../../host/testing/index.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "rusm.mjs");

/** The engines a TypeScript guest is built with (`rusm build --engine`). */
export const ENGINES = ["starlingmonkey", "quickjs"] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Absolute path of a guest built by `npm run build:guests`; with `engine` quickjs, its QuickJS
 * build (`<name>.qjs.wasm`, for a `guest.ts` that says `@engines starlingmonkey quickjs`).
 */
export function guest(name: string, engine: Engine = "starlingmonkey"): string {
  const suffix = engine === "quickjs" ? ".qjs" : "";
  return join(ROOT, "build", "guests", `${name}${suffix}.wasm`);
}

/**
 * A routes.toml listening on free ports, with an admin listener. Its drain is short (a test's
 * stalled clients would otherwise hold the shutdown for the default 10 s) unless `serve` sets
 * `drain-ms` itself.
 */
export function routes(body: string, serve = ""): string {
  const drain = /^drain-ms\s*=/m.test(serve) ? "" : "drain-ms = 3000\n";
  return `[serve]\nlisten = "127.0.0.1:0"\n${drain}${serve}\n[admin]\nlisten = "127.0.0.1:0"\n\n${body}\n`;
}

/** The exit reasons rusm promises (issue 2, point 8): pinned here, not imported from host/. */
export const EXIT_REASONS = [
  "normal",
  "disconnected",
  "trap",
  "oom",
  "killed",
  "timeout",
  "cpu",
  "shutdown",
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];
export type ExitCounts = Record<ExitReason, number>;

export interface Rusm {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far (stderr). */
  logs(): Array<Record<string, unknown>>;
  /** Raw stderr so far. */
  stderr(): string;
  /** Raw stdout so far (the listening lines). */
  stdout(): string;
  /** One sample of a metric (sum over series matching `labels`); 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** The admin /metrics text, as scraped now. */
  metricsText(): Promise<string>;
  /** `rusm_process_exits_total` for every exit reason, from one scrape. */
  exits(): Promise<ExitCounts>;
  /** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** CPU time (user + system, ms) the server process has used so far. */
  cpuMs(): Promise<number>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  /** The Node binary to run bin/rusm.mjs with (default: this test's Node, i.e. the project's). */
  node?: string;
  /** Node options placed before bin/rusm.mjs (e.g. `--import` a preload). */
  nodeArgs?: string[];
}

/** Runs `rusm <args>` to completion (for CLI and config error tests). */
export function runRusm(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(
      options.node ?? process.execPath,
      [...(options.nodeArgs ?? []), BIN, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: process.env,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(
        new Error(
          `rusm ${args.join(" ")} did not exit within ${options.timeoutMs ?? 60_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Temp dirs made by {@link writeRoutes} and not yet removed. */
const tempDirs = new Set<string>();

/** Removes every temp dir {@link writeRoutes} made (call in `afterAll`; `stop()` removes its own). */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.once("exit", removeTempDirs);

/** Writes `toml` to a fresh temp dir (returns the file). */
export async function writeRoutes(toml: string, name = "routes.toml"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rusm-test-"));
  tempDirs.add(dir);
  const file = join(dir, name);
  await writeFile(file, toml);
  return file;
}

/** Starts `rusm serve` on a routes file with `toml`; resolves once both listeners are up. */
export async function startRusm(
  toml: string,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<Rusm> {
  const file = await writeRoutes(toml);
  // Both listeners: the routes come with an [admin] table (routes()), and tests scrape it.
  const started = await spawnRusm([file, ...(options.args ?? [])], {
    cwd: ROOT,
    env: options.env,
    admin: true,
  });
  const { child, exited } = started;
  const err = (): string => started.stderr();
  const addresses = { url: started.url, adminUrl: started.adminUrl! };

  const rusm: Rusm = {
    ...addresses,
    child,
    stderr: err,
    stdout: started.stdout,
    logs: () => parseLogLines(err()),
    async metric(name, labels = {}) {
      return metricSum(await scrape(addresses.adminUrl), name, labels);
    },
    async metricsText() {
      return scrape(addresses.adminUrl);
    },
    async exits() {
      const text = await scrape(addresses.adminUrl);
      const counts = {} as ExitCounts;
      for (const reason of EXIT_REASONS) {
        counts[reason] = metricSum(text, "rusm_process_exits_total", { reason });
      }
      return counts;
    },
    async until(what, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await check()) return;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for: ${what}\n${err().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async cpuMs() {
      const { readFile } = await import("node:fs/promises");
      const stat = (await readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
      // Fields 14 and 15 of /proc/pid/stat (utime, stime), in clock ticks of 10 ms.
      return (Number(stat[11]) + Number(stat[12])) * 10;
    },
    async stop() {
      // A frozen server is SIGKILLed after a grace: its null exit code then fails the test's
      // `expect(await rusm.stop()).toBe(0)`.
      const code = await stopServer(child, exited);
      rmSync(dirname(file), { recursive: true, force: true });
      tempDirs.delete(dirname(file));
      return code;
    },
  };
  return rusm;
}

/**
 * One server for a whole `describe` block: started before its tests, stopped after them (and
 * the stop must be clean, exit 0). Returns a handle usable inside the tests.
 */
export function rusmForSuite(toml: string, options: { env?: Record<string, string> } = {}): Rusm {
  let started: Rusm | null = null;
  const current = (): Rusm => {
    if (started === null) throw new Error("rusmForSuite: the server is only there inside tests");
    return started;
  };
  beforeAll(async () => {
    started = await startRusm(toml, options);
  });
  afterAll(async () => {
    expect(await current().stop()).toBe(0);
  });
  return {
    get url() {
      return current().url;
    },
    get adminUrl() {
      return current().adminUrl;
    },
    get child() {
      return current().child;
    },
    logs: () => current().logs(),
    stderr: () => current().stderr(),
    stdout: () => current().stdout(),
    metric: (name, labels) => current().metric(name, labels),
    metricsText: () => current().metricsText(),
    exits: () => current().exits(),
    until: (what, check, timeoutMs) => current().until(what, check, timeoutMs),
    cpuMs: () => current().cpuMs(),
    stop: () => current().stop(),
  };
}
