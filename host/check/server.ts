/**
 * @module check/server
 * The app under check: `rusm serve` as a child process (one worker, free ports, an admin
 * listener), and what `rusm check` reads of it: exits by reason, live processes, buffered
 * body bytes, and the server's CPU time and RSS (its admin `/metrics`, prom-client's process
 * metrics). A child, so that a spinning guest cannot slow the judge.
 */
import { EXIT_REASONS, type ExitReason } from "../lifecycle/exit.ts";
import { metricSum, scrape, spawnRusm, stopServer, type ListeningRusm } from "../testing/index.ts";

/** One reading of the server. */
export interface Reading {
  readonly exits: Readonly<Record<ExitReason, number>>;
  /** Live processes, as the workers' last heartbeats said. */
  readonly live: number;
  readonly bufferedBytes: number;
  /** Response body bytes handed to sockets, ever. */
  readonly sentBytes: number;
  /** The server's CPU time (all threads), ms. */
  readonly cpuMs: number;
  readonly rssBytes: number;
}

/** Exit counts of `after` minus `before`, only the reasons that moved. */
export function exitsBetween(before: Reading, after: Reading): Partial<Record<ExitReason, number>> {
  const moved: Partial<Record<ExitReason, number>> = {};
  for (const reason of EXIT_REASONS) {
    const n = after.exits[reason] - before.exits[reason];
    if (n !== 0) moved[reason] = n;
  }
  return moved;
}

export class CheckedServer {
  readonly #rusm: ListeningRusm;

  private constructor(rusm: ListeningRusm) {
    this.#rusm = rusm;
  }

  /** Serves `target` (routes.toml or app.wasm) as `rusm serve` would, on free ports. */
  static async start(target: string, cacheDir: string | undefined): Promise<CheckedServer> {
    const args = [target, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--workers", "1"];
    if (cacheDir !== undefined) args.push("--cache-dir", cacheDir);
    return new CheckedServer(
      await spawnRusm(args, { admin: true, env: { RUSM_LOG: process.env.RUSM_LOG ?? "warn" } }),
    );
  }

  get url(): string {
    return this.#rusm.url;
  }

  /** The server's stderr so far (its JSON log lines). */
  stderr(): string {
    return this.#rusm.stderr();
  }

  async read(): Promise<Reading> {
    const text = await scrape(this.#rusm.adminUrl!);
    const exits = Object.fromEntries(
      EXIT_REASONS.map((reason) => [
        reason,
        metricSum(text, "rusm_process_exits_total", { reason }),
      ]),
    ) as Record<ExitReason, number>;
    return {
      exits,
      live: metricSum(text, "rusm_processes"),
      bufferedBytes: metricSum(text, "rusm_body_buffered_bytes"),
      sentBytes: metricSum(text, "rusm_body_bytes_total"),
      cpuMs: metricSum(text, "process_cpu_seconds_total") * 1000,
      rssBytes: metricSum(text, "process_resident_memory_bytes"),
    };
  }

  /** Reads until `done` holds or `timeoutMs` passes; the last reading, and whether it held. */
  async until(
    done: (r: Reading) => boolean,
    timeoutMs: number,
  ): Promise<{ reading: Reading; held: boolean; ms: number }> {
    const start = performance.now();
    for (;;) {
      const reading = await this.read();
      const ms = performance.now() - start;
      if (done(reading)) return { reading, held: true, ms };
      if (ms > timeoutMs) return { reading, held: false, ms };
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the server (SIGTERM, its drain); its exit status. */
  stop(): Promise<number | null> {
    return stopServer(this.#rusm.child, this.#rusm.exited);
  }
}
