/**
 * @module scripts/bench/lib/rusm
 * Starts a real `rusm serve` as its own process, on free 127.0.0.1 ports, with a routes.toml
 * written to a temp dir, and reads its admin /metrics. The start is `rusm/testing`'s spawnRusm
 * (host/testing/), with the bench's fd limit (child.ts) as its launcher; the handle is a
 * {@link Child} like every other server a bench runs (they do not import test/).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnRusm } from "../../../host/testing/index.ts";
import { watchChild, withFdLimit, type Child } from "./child.ts";
import { ROOT } from "./paths.ts";

export interface RusmConfig {
  /** Component name -> absolute .wasm path. */
  components: Record<string, string>;
  /** Route (`"GET /"`) -> component name. */
  routes: Record<string, string>;
  /** `[serve] body-buffer-kb`; rusm's default (64) when absent. */
  bodyBufferKb?: number;
  /** Start with the hard fd limit, or this many fds (for thousands of connections; child.ts). */
  raiseFdLimit?: boolean | number;
  /** The `[broker]` table (rusm's defaults when absent). */
  broker?: { mailbox?: number; overflow?: "drop-oldest" | "drop-subscriber" };
  /** Node options before rusm's entry point (e.g. `--disable-wasm-trap-handler`). */
  nodeArgs?: readonly string[];
  /** More environment for the server (e.g. `RUSM_COMPILE`). */
  env?: Record<string, string>;
  /** `prewarm = N` per component (by name). */
  prewarm?: Record<string, number>;
  /** More keys per component (by name), e.g. `{ preempt: "kill", "max-cpu-ms": 0 }`. */
  componentKeys?: Record<string, Record<string, string | number | readonly string[]>>;
  /** Another rusm checkout to run (its `bin/rusm.mjs`); this one by default. */
  root?: string;
  /**
   * `[serve] workers` (worker threads); 1 when absent: the benches compare one rusm worker with
   * one plain Node thread, and the `workers` bench measures more.
   */
  workers?: number;
  /** `[serve] tls`: PEM files (absolute paths); the server then listens on https:// (HTTP/2). */
  tls?: { cert: string; key: string };
  /** `[serve] access-log = true`: one JSON line per request on its stdout. */
  accessLog?: boolean;
}

/**
 * `RUSM_BENCH_BEFORE=<dir>`: a checkout of an earlier rusm (its node_modules linked to this
 * one's) that hello and sm-hello also measure, side by side in the same run, as "before".
 */
export const BEFORE_ROOT = process.env.RUSM_BENCH_BEFORE?.trim() || null;

/**
 * `RUSM_BENCH_ACCESS_LOG=1`: hello also measures a rusm with `access-log = true`, side by side
 * in the same run, and reports it against the same rusm with the access log off.
 */
export const WITH_ACCESS_LOG = process.env.RUSM_BENCH_ACCESS_LOG === "1";

export interface RusmServer {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: Child;
  /** Sum of a metric's samples whose labels include `labels`; 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

function toml(config: RusmConfig): string {
  const lines = ["[serve]", 'listen = "127.0.0.1:0"'];
  if (config.bodyBufferKb !== undefined) lines.push(`body-buffer-kb = ${config.bodyBufferKb}`);
  // An earlier checkout (`root`, RUSM_BENCH_BEFORE) may predate the key: it runs one thread.
  if (config.root === undefined) lines.push(`workers = ${config.workers ?? 1}`);
  if (config.tls !== undefined) {
    lines.push(
      `tls = { cert = ${JSON.stringify(config.tls.cert)}, key = ${JSON.stringify(config.tls.key)} }`,
    );
  }
  if (config.accessLog === true) lines.push("access-log = true");
  lines.push("", "[admin]", 'listen = "127.0.0.1:0"');
  if (config.broker !== undefined) {
    lines.push("", "[broker]");
    if (config.broker.mailbox !== undefined) lines.push(`mailbox = ${config.broker.mailbox}`);
    if (config.broker.overflow !== undefined) {
      lines.push(`overflow = ${JSON.stringify(config.broker.overflow)}`);
    }
  }
  lines.push("", "[components]");
  for (const [name, path] of Object.entries(config.components)) {
    const keys: Record<string, string | number | readonly string[]> = {
      ...config.componentKeys?.[name],
    };
    const prewarm = config.prewarm?.[name];
    if (prewarm !== undefined) keys.prewarm = prewarm;
    const more = Object.entries(keys).map(([k, v]) => `, ${k} = ${JSON.stringify(v)}`);
    lines.push(
      more.length === 0
        ? `${name} = ${JSON.stringify(path)}`
        : `${name} = { path = ${JSON.stringify(path)}${more.join("")} }`,
    );
  }
  lines.push("", "[serve.routes]");
  for (const [route, name] of Object.entries(config.routes)) {
    lines.push(`${JSON.stringify(route)} = ${JSON.stringify(name)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Parses Prometheus text: the sum of `name`'s samples whose labels include `labels`. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map(
      [...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/**
 * Starts `rusm serve` with `rusm/testing`'s spawnRusm (as rusm's integration tests do); resolves
 * once both listeners are up (first start may transpile).
 */
export async function startRusm(config: RusmConfig): Promise<RusmServer> {
  const dir = await mkdtemp(join(tmpdir(), "rusm-bench-"));
  const file = join(dir, "routes.toml");
  await writeFile(file, toml(config));
  const rusm = await spawnRusm([file], {
    admin: true,
    timeoutMs: 180_000,
    cwd: config.root ?? ROOT,
    env: config.env,
    nodeArgs: config.nodeArgs,
    bin: config.root === undefined ? undefined : join(config.root, "bin", "rusm.mjs"),
    launch: (command, args) => withFdLimit(command, args, config.raiseFdLimit),
  }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const { url } = rusm;
  const adminUrl = rusm.adminUrl!; // `admin: true` waited for it
  const printed = rusm.stdout() + rusm.stderr();
  const child: Child = { ...watchChild("rusm serve", rusm.child, { printed }), ready: adminUrl };

  return {
    url,
    adminUrl,
    child,
    async metric(name, labels = {}) {
      const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
      return metricValue(await res.text(), name, labels);
    },
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
