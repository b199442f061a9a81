/**
 * @module cli/serve
 * `rusm serve routes.toml` (or `rusm serve app.wasm`: one component on `/*`): validates the config, starts the worker threads (workers/: each
 * loads the components and listens on the shared port), prints the real addresses, and drains
 * on SIGINT/SIGTERM: no new connections, live streams ended cleanly at once, finite requests
 * given up to `[serve] drain-ms`, then one summary line and exit 0. A second signal during the
 * drain stops at once (exit 1). Where to listen: `--listen`, else the file's `[serve] listen`,
 * else `RUSM_LISTEN`, else `PORT` (on 127.0.0.1), else 127.0.0.1:8080. Started by npm or npx,
 * it also drains when that npm process is gone (cli/starter.ts): a signal to the wrapper then
 * reaches rusm.
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import {
  isLoopback,
  loadComponentConfig,
  loadConfig,
  parseListen,
  type Config,
  type Listen,
} from "../config/index.ts";
import { RusmError } from "../errors.ts";
import { createLogger } from "../log/index.ts";
import { startNode } from "../workers/supervisor.ts";
import { whenStarterGone } from "./starter.ts";

export interface ServeFlags {
  cacheDir?: string | undefined;
  /** Overrides `[serve] listen` (tests and scripts use `127.0.0.1:0`). */
  listen?: string | undefined;
  /** `--workers N`: overrides `[serve] workers`. */
  workers?: string | undefined;
  /** `--admin HOST:PORT`: the admin listener there (overrides `[admin] listen`, or adds one). */
  admin?: string | undefined;
  /** `--access-log`: turns `[serve] access-log` on. */
  accessLog?: boolean | undefined;
}

/** The most workers `--workers` takes (as `[serve] workers`). */
const MAX_WORKERS = 256;

/** `--workers N` as a number, or a RUSM_USAGE error. */
export function parseWorkers(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new RusmError(
      "RUSM_USAGE",
      `--workers ${text}: not a whole number from 1 to ${MAX_WORKERS}`,
      {
        hint: `give the number of worker threads, e.g. --workers 2 (default: one per core, ${availableParallelism()} here)`,
      },
    );
  }
  return n;
}

/** A listen address from `--listen` or the environment, or a RUSM_USAGE error naming it. */
function listenFrom(what: string, text: string, hint: string): Listen {
  const parsed = parseListen(text);
  if (!parsed.ok) throw new RusmError("RUSM_USAGE", `${what}: ${parsed.reason}`, { hint });
  return parsed.listen;
}

/** Where the environment says to listen (`RUSM_LISTEN`, else `PORT`), or null. */
export function listenFromEnv(env: NodeJS.ProcessEnv): Listen | null {
  const hint = "RUSM_LISTEN=host:port (e.g. 0.0.0.0:8080 in a container), or PORT=8080";
  if (env.RUSM_LISTEN !== undefined && env.RUSM_LISTEN !== "") {
    return listenFrom(`RUSM_LISTEN=${env.RUSM_LISTEN}`, env.RUSM_LISTEN, hint);
  }
  if (env.PORT !== undefined && env.PORT !== "") {
    if (!/^\d+$/.test(env.PORT)) {
      throw new RusmError("RUSM_USAGE", `PORT=${env.PORT}: not a port number`, { hint });
    }
    return listenFrom(`PORT=${env.PORT}`, `127.0.0.1:${env.PORT}`, hint);
  }
  return null;
}

/**
 * Where to listen, from `--listen`, the file, the environment; `--admin`'s listener; `--access-log`.
 * Errors: `RUSM_USAGE` for a bad address.
 */
export function applyListenFlags(
  config: Config,
  flags: Pick<ServeFlags, "listen" | "admin" | "accessLog">,
): void {
  if (flags.listen !== undefined) {
    config.serve.listen = listenFrom(
      `--listen ${flags.listen}`,
      flags.listen,
      "give host:port, e.g. --listen 127.0.0.1:0 for a free port",
    );
  } else if (!config.serve.listenGiven) {
    config.serve.listen = listenFromEnv(process.env) ?? config.serve.listen;
  }
  if (flags.admin !== undefined) {
    const listen = listenFrom(
      `--admin ${flags.admin}`,
      flags.admin,
      "give a loopback host:port, e.g. --admin 127.0.0.1:9464 (port 0: a free one)",
    );
    if (!isLoopback(listen)) {
      throw new RusmError("RUSM_USAGE", `--admin ${flags.admin}: not a loopback address`, {
        hint: "the admin listener serves /metrics and /publish: use [admin] listen with allow-public = true to expose it",
      });
    }
    config.admin = { ...(config.admin ?? { allowPublic: false, token: null }), listen };
  }
  if (flags.accessLog === true) config.serve.accessLog = true;
}

/** The line that says where the admin listener is (read by rusm/testing and `rusm ps` users). */
export function adminLine(url: string): string {
  return `rusm admin listening on ${url} (GET / for the status page, /metrics, /healthz, /readyz)\n`;
}

/** Runs the server until a signal; resolves to the exit status. */
export async function serveCommand(target: string, flags: ServeFlags): Promise<number> {
  // Handlers first: a signal that comes as soon as the listening line is out (a supervisor
  // waiting for it) must get the graceful shutdown, not Node's default action.
  const signal = new Promise<NodeJS.Signals | "starter gone">((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    whenStarterGone(() => done("starter gone"));
  });
  const workersFlag = flags.workers === undefined ? undefined : parseWorkers(flags.workers);
  const config = target.endsWith(".wasm")
    ? await loadComponentConfig(resolve(target))
    : await loadConfig(resolve(target));
  applyListenFlags(config, flags);
  const log = createLogger();
  const server = await startNode(config, {
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    log,
    workers: workersFlag ?? config.serve.workers ?? availableParallelism(),
    progress: (line) => process.stderr.write(`rusm: ${line}\n`),
    // The admin line as soon as it listens, before the workers load: /readyz answers 503 then.
    onAdminListening: (url) => process.stdout.write(adminLine(url)),
  });
  process.stdout.write(`rusm listening on ${server.url}\n`);

  const received = await signal;
  const started = performance.now();
  log.info(
    { signal: received, live: server.live(), drainMs: config.serve.drainMs },
    "shutting down",
  );
  const second = new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  const outcome = await Promise.race([
    server.close().then((closed) => ({ closed })),
    second.then((again) => ({ again })),
  ]);
  if ("again" in outcome) {
    await server.terminate();
    log.warn(
      { signal: outcome.again, live: server.live() },
      "stopped at once (a second signal during the drain): live processes were cut",
    );
    process.exit(1);
  }
  const { exits, live, streamsEnded, stoppedAtDeadline } = outcome.closed;
  // The one line a shutdown logs: what the drain did and every exit of the server's life.
  const summary = {
    signal: received,
    drainedMs: Math.round(performance.now() - started),
    streamsEnded,
    stoppedAtDeadline,
    exits,
  };
  if (live > 0) log.warn({ ...summary, live }, "stopped; some processes did not stop in time");
  else log.info(summary, "stopped");
  // Exit now: a process that could not be stopped (spinning without host calls) must not keep
  // Node alive after the shutdown.
  process.exit(0);
}
