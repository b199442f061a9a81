/**
 * @module scripts/bench/process-cost/parked
 * Part (b) of the process-cost bench: resident memory per parked stream.
 *
 * A holder process (hold.py, or hold.ts without python3) opens N connections that each send
 * `GET /sse` and never read. The server writes until back-pressure stops it: rusm's
 * `sse-endless` processes park in `blocking-write-and-flush` (`rusm_processes_parked` on the
 * admin /metrics), the plain server's handlers wait for `drain` (its IPC stats). Once all N are
 * parked and stay so for 3 samples a second apart, and 2 s later, the server's VmRSS is read;
 * (RSS - RSS before the first stream) / N is the cost of one parked stream. The steps are
 * cumulative (1,000, then 4,000 more to 5,000) on one server per side.
 */
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { startChild, type Child } from "../lib/child.ts";
import { NODE } from "../lib/paths.ts";
import { rssKiB, sleep } from "../lib/proc.ts";
import { num, type BenchOptions } from "../lib/report.ts";
import { rawGet } from "../lib/wire.ts";

/** What a side reports about its streams. */
export interface StreamSample {
  parked: number;
  live: number;
  /** Body bytes handed to sockets so far. */
  bytes: number;
  /** Body bytes the process holds now (channel + socket write queue). */
  buffered: number;
}

export interface ParkSide {
  name: string;
  url: string;
  child: Child;
  sample(): Promise<StreamSample>;
  stop(): Promise<void>;
}

export type Outcome = "parked" | "timeout" | "stalled" | "died" | "rss-limit" | "holder-failed";

/**
 * A step with less progress than this (streams connected + parked, as a share of N) over
 * {@link STALL_SECONDS} is stalled: typically a server near V8's heap limit, collecting garbage
 * nearly all the time.
 */
const STALL_PROGRESS = 0.005;
const STALL_SECONDS = 120;

export interface ParkStep {
  n: number;
  outcome: Outcome;
  /** Streams parked when the step ended. */
  parked: number;
  /** Seconds from asking for the connections to all parked (or the step's end). */
  seconds: number;
  rssKiB: number;
  /** (RSS - RSS before any stream) / parked. */
  perStreamKiB: number;
  /** Body bytes written per stream before it parked (mostly what the kernel took). */
  bytesPerStream: number;
  /** Body bytes the process holds per parked stream. */
  bufferedPerStream: number;
  /** Why a step ended early (the server's last output). */
  note: string;
}

function python3(): string | null {
  if (process.env.RUSM_BENCH_HOLDER === "node") return null;
  try {
    return execFileSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

interface Holder {
  child: Child;
  kind: string;
  /** Opens `k` more connections; resolves with the total held, or rejects with the error. */
  open(k: number): Promise<number>;
}

async function startHolder(url: string, path: string): Promise<Holder> {
  const { hostname, port } = new URL(url);
  const py = python3();
  const args = [hostname, port, path];
  const child = await startChild({
    name: "stalled-connection holder",
    command: py ?? NODE,
    args:
      py !== null
        ? [join(import.meta.dirname, "hold.py"), ...args]
        : [join(import.meta.dirname, "hold.ts"), ...args],
    readyPattern: /^holder ready$/,
    raiseFdLimit: true,
  });
  return {
    child,
    kind:
      py !== null
        ? "python3 hold.py (small SO_RCVBUF + MSS)"
        : "node hold.ts (no python3: kernel buffers stay large)",
    open(k) {
      return new Promise((resolve, reject) => {
        const stdout = child.process.stdout!;
        let pending = "";
        const onData = (data: Buffer): void => {
          pending += data.toString();
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) {
            const opened = /^opened (\d+)$/.exec(line);
            if (opened !== null || line.startsWith("holder error")) {
              stdout.off("data", onData);
              if (opened !== null) resolve(Number(opened[1]));
              else reject(new Error(line));
            }
          }
        };
        stdout.on("data", onData);
        child.process.stdin!.write(`open ${k}\n`);
      });
    },
  };
}

/** VmRSS, or null for a process that is gone or exiting (a zombie has no VmRSS). */
function tryRssKiB(pid: number): number | null {
  try {
    return rssKiB(pid);
  } catch {
    return null;
  }
}

/** Why a server died, from its last output: V8's fatal error line when there is one. */
function deathNote(child: Child): string {
  const lines = child
    .tail()
    .split("\n")
    .filter((l) => l.trim() !== "");
  const fatal = lines.find((l) => /FATAL ERROR|out of memory|RangeError|Error:/.test(l));
  return `exit ${child.exitStatus()}: ${(fatal ?? lines.at(-1) ?? "no output").trim()}`;
}

/**
 * Polls until `n` streams are parked for 3 samples in a row, the server dies, progress stalls,
 * or time runs out.
 */
async function waitParked(
  side: ParkSide,
  n: number,
  started: number,
  options: BenchOptions,
  holderError: () => string | null,
): Promise<{ outcome: Outcome; sample: StreamSample; lastRssKiB: number }> {
  let stable = 0;
  let lastRssKiB = 0;
  let lastLog = performance.now();
  let sample: StreamSample = { parked: 0, live: 0, bytes: 0, buffered: 0 };
  let progress = { at: performance.now(), count: 0 };
  for (;;) {
    const end = (outcome: Outcome) => ({ outcome, sample, lastRssKiB });
    if (side.child.exitStatus() !== null) return end("died");
    if (holderError() !== null) return end("holder-failed");
    sample = await side.sample().catch(() => sample);
    if (side.child.exitStatus() !== null) return end("died");
    const rss = tryRssKiB(side.child.pid);
    if (rss === null) return end("died"); // exiting: gone between the check and the read
    lastRssKiB = rss;
    if (sample.parked >= n) stable++;
    else stable = 0;
    if (stable >= 3) return end("parked");
    if (rss / 1024 > options.rssLimitMb) return end("rss-limit");
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed > options.parkTimeoutSeconds) return end("timeout");
    const count = sample.parked + sample.live;
    if (count - progress.count >= STALL_PROGRESS * n) progress = { at: performance.now(), count };
    else if (performance.now() - progress.at > STALL_SECONDS * 1000) return end("stalled");
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      options.log(
        `    ${side.name}: ${elapsed.toFixed(0)} s, ${sample.live} live, ${sample.parked}/${n} parked, RSS ${num(rss / 1024)} MiB, ${num(sample.bytes / 1e6, 1)} MB written`,
      );
    }
    await sleep(1000);
  }
}

/** Runs the steps against one side (a fresh server). */
export async function measureParked(
  side: ParkSide,
  path: string,
  options: BenchOptions,
): Promise<ParkStep[]> {
  const log = options.log;
  // One short stream first, so code paths are loaded and compiled before the baseline RSS.
  await rawGet(side.url, path, 4096, 300);
  await sleep(1000);
  const rss0 = rssKiB(side.child.pid);
  const base = await side.sample();
  const holder = await startHolder(side.url, path);
  log(`  ${side.name}: RSS before ${num(rss0 / 1024, 1)} MiB; holder: ${holder.kind}`);
  const steps: ParkStep[] = [];
  let held = 0;
  try {
    for (const n of options.parkedCounts) {
      const started = performance.now();
      let note = "";
      // The holder connects while the server is polled: a server that stops accepting (or
      // dies) shows up as a timeout (or death) instead of a hang.
      const holderState: { error: string | null } = { error: null };
      const opening = holder.open(n - held).then(
        (total) => (held = total),
        (err: unknown) => (holderState.error = (err as Error).message),
      );
      const waited = await waitParked(side, n, started, options, () => holderState.error);
      const sample = waited.sample;
      let outcome = waited.outcome;
      if (holderState.error !== null) {
        if (outcome !== "died") outcome = "holder-failed";
        note = holderState.error;
      } else if (outcome === "timeout" && held < n) {
        note = `the holder had not finished connecting (${held} held)`;
      }
      if (outcome === "parked") await opening;
      const alive = side.child.exitStatus() === null;
      if (outcome === "parked") await sleep(2000);
      // A dead server's RSS is the last one read before it died.
      const rss = (alive ? tryRssKiB(side.child.pid) : null) ?? waited.lastRssKiB;
      if (outcome === "died") note = deathNote(side.child);
      const parked = alive ? (await side.sample().catch(() => sample)).parked : sample.parked;
      const streams = Math.max(1, parked);
      const step: ParkStep = {
        n,
        outcome,
        parked,
        seconds: (performance.now() - started) / 1000,
        rssKiB: rss,
        perStreamKiB: (rss - rss0) / streams,
        bytesPerStream: (sample.bytes - base.bytes) / Math.max(1, sample.live),
        bufferedPerStream: sample.buffered / streams,
        note,
      };
      steps.push(step);
      log(
        `  ${side.name}: N=${num(n)} ${outcome}: ${num(parked)} parked in ${step.seconds.toFixed(0)} s, RSS ${num(rss / 1024)} MiB, ${num(step.perStreamKiB)} KiB/stream, ${num(step.bytesPerStream / 1024)} KiB written and ${num(step.bufferedPerStream / 1024, 1)} KiB held per stream${note ? `; ${note}` : ""}`,
      );
      if (outcome !== "parked") break;
    }
  } finally {
    await holder.child.stop();
  }
  return steps;
}
