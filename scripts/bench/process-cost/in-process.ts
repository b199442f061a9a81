/**
 * @module scripts/bench/process-cost/in-process
 * Part (a) of the process-cost bench, run as its own process by bench.ts:
 *
 *     node scripts/bench/process-cost/in-process.ts <guest>[?path] <iterations> [--jco-1.35]
 *
 * Loads the guest with rusm's own loader (host/component/load.ts: transpile cache, memory cap,
 * compiled core modules), then runs `iterations` real rusm processes (host/process/process.ts:
 * real WASI imports, registry, exit classification) one after another, each serving a GET over
 * an in-memory exchange: no socket, no HTTP parsing, the response body drained as it is
 * written. Each process is timed in three parts: `instantiate` (the jco glue's `instantiate`
 * with fresh imports), `handle` (the guest's `incoming-handler.handle` to its return), and
 * `total` (`Process.run()`, which adds creating the imports, settling the response and counting
 * the exit, until the response body has ended at the socket side).
 *
 * The baseline, timed the same way over the same exchange: plain JS doing what the guest does
 * through the host (respond with the same headers, write the same body into a ByteChannel,
 * finish it), i.e. the host-side floor without any wasm.
 *
 * `--jco-1.35` loads the guest with jco 1.35's glue instead (same transpile options, same loader),
 * to compare the glue rusm uses (jco 1.11.2) with the current one.
 *
 * Prints one JSON object (see {@link InProcessResult}) on stdout.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transpile as transpile135 } from "@bytecodealliance/jco";
import { cacheKey, defaultCacheDir, writeEntry } from "../../../host/component/cache.ts";
import { loadComponent, type LoadedComponent } from "../../../host/component/load.ts";
import { TRANSPILE_OPTIONS, TRANSPILER } from "../../../host/component/transpile.ts";
import { Process, type ProcessExchange } from "../../../host/process/process.ts";
import { ProcessRegistry } from "../../../host/lifecycle/registry.ts";
import { createLogger } from "../../../host/log/index.ts";
import { createMetrics } from "../../../host/metrics/index.ts";
import { Broker } from "../../../host/services/broker/index.ts";
import { ByteChannel, type ChannelSink } from "../../../host/stream/channel.ts";
import type {
  FieldEntry,
  IncomingRequestData,
  RequestBodySource,
} from "../../../host/wasi/index.ts";
import { benchGet, EmptyBody } from "../lib/memory-request.ts";
import { guestPath } from "../lib/paths.ts";

/** Timings in µs: medians and 90th percentiles over the iterations. */
export interface Timing {
  p50: number;
  p90: number;
}

export interface InProcessResult {
  guest: string;
  glue: string;
  iterations: number;
  instantiate: Timing;
  handle: Timing;
  total: Timing;
  /** Process CPU (user + system) per process over the measured iterations, in µs: GC included. */
  cpuPerProcess: number;
  /** The plain-JS baseline over the same exchange. */
  baseline: Timing;
  /** The response of the last process: status and body bytes. */
  status: number;
  bodyBytes: number;
  /** Exit reasons seen (all "normal" when the guest behaved). */
  exits: Record<string, number>;
}

/** One GET, answered into memory: the response body is drained as fast as it is written. */
class MemoryExchange implements ProcessExchange {
  readonly request: IncomingRequestData;
  responded = false;
  readonly clientGone = false;
  readonly eventStream = false;
  status = 0;
  bodyBytes = 0;
  #body: ByteChannel | null = null;
  readonly #done = Promise.withResolvers<void>();

  constructor(pathWithQuery: string) {
    this.request = benchGet(pathWithQuery);
  }

  requestBody(): RequestBodySource {
    return new EmptyBody();
  }

  /** Resolves once the response is complete: the body ended (or was cut), or an error answer. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  respond(status: number, _headers: FieldEntry[], body: ByteChannel): void {
    this.responded = true;
    this.status = status;
    this.#body = body;
    const sink: ChannelSink = {
      write: (chunk) => {
        this.bodyBytes += chunk.length;
        return true;
      },
      flushHead: () => {},
      end: (_trailers, last) => {
        this.bodyBytes += last?.length ?? 0;
        this.#done.resolve();
      },
      truncate: () => this.#done.resolve(),
      fault: () => this.#done.resolve(),
      onDrain: () => {},
      pending: () => 0,
    };
    body.attach(sink);
  }

  fail(): void {
    this.respondError(500);
  }

  respondError(status: number): void {
    this.responded = true;
    this.status = status;
    this.#done.resolve();
  }

  truncateBody(): void {
    this.#body?.truncate();
  }

  endBody(): void {
    if (this.#body !== null && !this.#body.ended) this.#body.finish();
  }

  onBodyBytes(): void {}

  onClientGone(): void {}

  onFault(): void {}
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: Math.round(at(0.5) * 10) / 10, p90: Math.round(at(0.9) * 10) / 10 };
}

/**
 * Loads `wasm` through rusm's own loader, but with jco 1.35's glue: the component is transpiled
 * by jco 1.35 with rusm's exact options and put in a temporary cache under the key rusm's loader
 * looks for, so the loader (memory cap and handling, compiled modules) finds it and uses it.
 * Only the glue differs from the rusm row.
 */
async function loadWithJco135(name: string, wasm: string): Promise<LoadedComponent> {
  const bytes = new Uint8Array(await readFile(wasm));
  const out = await transpile135(bytes, {
    name: "component",
    ...TRANSPILE_OPTIONS,
    asyncImports: [...TRANSPILE_OPTIONS.asyncImports],
    asyncExports: [...TRANSPILE_OPTIONS.asyncExports],
  });
  const files: Record<string, Uint8Array> = {};
  for (const [file, content] of Object.entries(out.files)) {
    // As rusm's loader stores them: the glue as .mjs, type declarations not needed.
    if (file.endsWith(".wasm")) files[file] = content;
    else if (file.endsWith(".js")) files[file.replace(/\.js$/, ".mjs")] = content;
  }
  const cacheDir = await mkdtemp(join(tmpdir(), "rusm-bench-jco135-"));
  try {
    await writeEntry(cacheDir, cacheKey(bytes, TRANSPILER, TRANSPILE_OPTIONS), files, {
      imports: out.imports,
      exports: out.exports.map(([exportName]) => exportName),
    });
    return await loadComponent(
      { name, path: wasm, maxMemoryMb: 64, bodyBufferKb: 64 },
      { cacheDir },
    );
  } finally {
    // The glue module is imported and the core modules compiled: the files are no longer needed.
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [guestArg, iterationsArg, flag] = process.argv.slice(2);
  if (guestArg === undefined || iterationsArg === undefined) {
    throw new Error("usage: in-process.ts <guest>[?query] <iterations> [--jco-1.35]");
  }
  const [guest, query] = guestArg.split("?") as [string, string | undefined];
  const iterations = Number(iterationsArg);
  const path = query === undefined ? "/" : `/?${query}`;
  const wasm = guestPath(guest);
  const jco135 = flag === "--jco-1.35";
  const loaded = jco135
    ? await loadWithJco135(guest, wasm)
    : await loadComponent(
        { name: guest, path: wasm, maxMemoryMb: 64, bodyBufferKb: 64 },
        { cacheDir: defaultCacheDir(), progress: (line) => process.stderr.write(`${line}\n`) },
      );

  const log = createLogger("error");
  const metrics = createMetrics();
  const registry = new ProcessRegistry(metrics);
  const broker = new Broker({ registry, metrics, log, mailboxSize: 1, overflow: "drop-oldest" });
  let instantiateUs = 0;
  let handleUs = 0;
  // The loaded component with a stopwatch around its two steps; everything else is rusm's.
  const timed: LoadedComponent = {
    ...loaded,
    async instantiate(imports, onMemory) {
      const t0 = performance.now();
      const instance = await loaded.instantiate(imports, onMemory);
      instantiateUs = (performance.now() - t0) * 1000;
      return {
        ...instance,
        handler: {
          async handle(request, responseOut) {
            const t1 = performance.now();
            try {
              await instance.handler.handle(request, responseOut);
            } finally {
              handleUs = (performance.now() - t1) * 1000;
            }
          },
        },
      };
    },
  };

  const samples = { instantiate: [] as number[], handle: [] as number[], total: [] as number[] };
  const exits: Record<string, number> = {};
  let last = new MemoryExchange(path);
  const warmup = Math.max(3, Math.floor(iterations / 10));
  let cpuStart = process.cpuUsage();
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) cpuStart = process.cpuUsage();
    last = new MemoryExchange(path);
    const t0 = performance.now();
    const exit = await new Process(registry, timed, last, log, null, broker).run();
    // The body may reach the socket side a turn later (the channel moves bytes once per turn).
    await last.done;
    const totalUs = (performance.now() - t0) * 1000;
    if (i < warmup) continue;
    exits[exit.reason] = (exits[exit.reason] ?? 0) + 1;
    samples.instantiate.push(instantiateUs);
    samples.handle.push(handleUs);
    samples.total.push(totalUs);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerProcess = Math.round(((cpu.user + cpu.system) / iterations) * 10) / 10;

  // The baseline writes what the guest wrote, as the guest wrote it (headers + the same bytes).
  const body = new Uint8Array(last.bodyBytes).fill(0x61);
  const headers: FieldEntry[] = [["content-type", new TextEncoder().encode("text/plain")]];
  const baseline: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const exchange = new MemoryExchange(path);
    const t0 = performance.now();
    const channel = new ByteChannel(64 * 1024);
    exchange.respond(200, headers, channel);
    channel.write(body);
    channel.finish();
    await exchange.done;
    if (i >= warmup) baseline.push((performance.now() - t0) * 1000);
  }

  const result: InProcessResult = {
    guest: guestArg,
    glue: jco135 ? "jco 1.35" : loaded.abi.kind === "lean" ? "rusm lean ABI" : "jco 1.11.2 (rusm)",
    iterations,
    instantiate: timing(samples.instantiate),
    handle: timing(samples.handle),
    total: timing(samples.total),
    cpuPerProcess,
    baseline: timing(baseline),
    status: last.status,
    bodyBytes: last.bodyBytes,
    exits,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
