/**
 * @module scripts/bench/http2
 * SSE events/s over HTTP/2 with TLS: a node:http2 client reads one stream of `sse-endless`
 * through `rusm serve` with `[serve] tls` as fast as it can and counts events, against a plain
 * node:http2 TLS server writing the same `data: tick N\n\n` events with per-stream
 * back-pressure (plain-h2-server.ts), side by side in one run. See README.md beside this file.
 *
 *     node scripts/bench/http2/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, startPair, type Child } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { guestPath, NODE } from "../lib/paths.ts";
import { sleep } from "../lib/proc.ts";
import { num, type BenchOptions, type BenchReport } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { alternate, type Measured } from "../lib/sides.ts";
import type { StreamResult } from "../sse/bench.ts";

/** Unmeasured start of every stream (instantiation, JIT warm-up), s. */
const STREAM_WARMUP_S = 0.5;
const NL = 0x0a;

/** A self-signed P-256 pair for 127.0.0.1, made with the openssl CLI. */
function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
      ...["-keyout", key, "-out", cert],
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

/**
 * Reads one SSE stream over a fresh HTTP/2 connection for `warmup + seconds` and counts events
 * (newlines / 2, as the sse bench); checks that it began with `tick 0` and that the last
 * complete event is `tick <events - 1>`; then resets the stream (a disconnect).
 */
function readH2Stream(origin: string, warmup: number, seconds: number): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const session = connect(origin, { rejectUnauthorized: false });
    session.on("error", reject);
    session.once("connect", () => session.setLocalWindowSize(16 * 1024 * 1024));
    let newlines = 0;
    let bytes = 0;
    let head = "";
    let tail: Buffer = Buffer.alloc(0);
    let atWarm = 0;
    let t0 = 0;
    const stream = session.request({ ":path": "/sse" });
    stream.on("error", () => undefined); // the reset at the end
    stream.on("response", (headers) => {
      if (headers[":status"] !== 200) {
        session.destroy();
        reject(new Error(`${origin}/sse: status ${headers[":status"]}`));
        return;
      }
      setTimeout(() => {
        atWarm = newlines;
        t0 = performance.now();
        setTimeout(finish, seconds * 1000);
      }, warmup * 1000);
    });
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, i + 1)) newlines++;
      if (head.length < 32) head += chunk.toString("latin1", 0, 32);
      tail = chunk.length >= 64 ? chunk : Buffer.concat([tail, chunk]).subarray(-64);
    });
    const finish = (): void => {
      const elapsed = (performance.now() - t0) / 1000;
      const events = Math.floor(newlines / 2);
      stream.close();
      session.destroy();
      const complete = tail.toString("latin1").split("\n\n").slice(0, -1).at(-1) ?? "";
      const last = /data: tick (\d+)$/.exec(complete)?.[1];
      let problem = "";
      if (!head.startsWith("data: tick 0\n\n"))
        problem = `stream starts with ${JSON.stringify(head)}`;
      else if (Number(last) !== events - 1)
        problem = `counted ${events} events but the last is tick ${last}`;
      resolve({ rate: (newlines / 2 - atWarm / 2) / elapsed, events, bytes, problem });
    };
  });
}

function fold(rounds: Array<Measured<StreamResult>>): { rate: number; cpuUsPerEvent: number } {
  const rate = rounds.reduce((s, r) => s + r.result.rate, 0) / rounds.length;
  const cpu = rounds.reduce((s, r) => s + r.cpuMs, 0);
  const events = rounds.reduce((s, r) => s + r.result.events, 0);
  return { rate, cpuUsPerEvent: (cpu * 1000) / Math.max(1, events) };
}

async function startPlainH2(pair: { cert: string; key: string }): Promise<Child> {
  return startChild({
    name: "plain node:http2 server",
    command: NODE,
    args: [join(import.meta.dirname, "plain-h2-server.ts"), pair.cert, pair.key],
    readyPattern: /plain-h2 listening on (https:\/\/\S+)/,
  });
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), "rusm-bench-h2-"));
  try {
    const pair = makeCert(dir);
    const [plain, rusm] = await startPair(
      async () => {
        const child = await startPlainH2(pair);
        return { child, url: child.ready, stop: () => child.stop() };
      },
      () =>
        startRusm({
          components: { feed: guestPath("sse-endless") },
          routes: { "GET /sse": "feed" },
          tls: pair,
        }),
    );
    try {
      const warmup = Math.min(STREAM_WARMUP_S, options.warmupSeconds);
      log(
        `http2: ${options.rounds} x (${warmup} s unmeasured + ${options.seconds} s) per side, one TLS HTTP/2 stream at a time`,
      );
      const describe = (r: StreamResult): string =>
        `${num(r.rate)} events/s (${num(r.events)} events, ${num(r.bytes / 1e6, 1)} MB)${r.problem ? `, ${r.problem}` : ""}`;
      const [plainRounds, rusmRounds] = await alternate(
        [
          {
            name: "plain-h2",
            pid: plain.child.pid,
            measure: () => readH2Stream(plain.url, warmup, options.seconds),
          },
          {
            name: "rusm",
            pid: rusm.child.pid,
            measure: () => readH2Stream(rusm.url, warmup, options.seconds),
          },
        ],
        options.rounds,
        log,
        describe,
      );
      for (const m of [...plainRounds!, ...rusmRounds!]) {
        if (m.result.problem !== "") errors.push(`http2: ${m.result.problem}`);
      }
      // Every stream was reset by the client: rusm must have reclaimed every process.
      for (let i = 0; i < 50 && (await rusm.metric("rusm_processes")) > 0; i++) await sleep(100);
      const live = await rusm.metric("rusm_processes");
      const disconnected = await rusm.metric("rusm_process_exits_total", {
        reason: "disconnected",
      });
      log(
        `http2: after the streams, rusm has ${live} live processes, ${disconnected} exited "disconnected"`,
      );
      if (live !== 0) errors.push(`http2: ${live} rusm processes still live after every reset`);
      const p = fold(plainRounds!);
      const r = fold(rusmRounds!);
      return {
        bench: "http2",
        rows: [
          {
            bench: "http2",
            measure: "SSE events/s, one HTTP/2 stream over TLS (higher is better)",
            rusm: num(r.rate),
            baseline: num(p.rate),
            ratio: r.rate / p.rate,
            target: "",
            meets: null,
          },
          {
            bench: "http2",
            measure: "server CPU µs/event (lower is better)",
            rusm: num(r.cpuUsPerEvent, 2),
            baseline: num(p.cpuUsPerEvent, 2),
            ratio: r.cpuUsPerEvent / p.cpuUsPerEvent,
            target: "",
            meets: null,
          },
        ],
        errors,
      };
    } finally {
      await Promise.all([plain.stop(), rusm.stop()]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await runMain("http2", run);
