/**
 * @module rusm/testing
 * For guest authors' tests: starts a real `rusm serve` on a free 127.0.0.1 port, as a child
 * process, and stops it. Use any HTTP client against `url` (fetch, an EventSource).
 *
 * ```ts
 * import { startRusm } from "rusm/testing";
 * const rusm = await startRusm("routes.toml");
 * const res = await fetch(`${rusm.url}/hello/world`);
 * await rusm.stop();
 * ```
 *
 * The server runs on rusm's own Node 24 (JSPI) even when the test runner's Node is older.
 * Nothing in host/ imports this module.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = resolve(ROOT, "bin", "rusm.mjs");
const OWN_NODE = resolve(ROOT, "node_modules", ".bin", "node");

export interface StartOptions {
  /** Where to listen; default `127.0.0.1:0` (a free port). */
  listen?: string;
  /** Extra environment for the server (e.g. `RUSM_LOG: "debug"`). */
  env?: Record<string, string>;
  /** How long the start may take (the first start transpiles each component); default 120 s. */
  timeoutMs?: number;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The admin listener (`/metrics`), when routes.toml has an `[admin]` table. */
  readonly adminUrl: string | null;
  /** The server's JSON log lines so far (guest stdout/stderr, process exits). */
  logs(): Array<Record<string, unknown>>;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the server's exit code (0 for a clean shutdown). */
  stop(): Promise<number | null>;
}

/** How long {@link stopServer} waits after SIGTERM before it kills the server. */
const STOP_GRACE_MS = 15_000;

/** The JSON log lines in what the server wrote on stderr, parsed. */
export function parseLogLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The addresses in what `rusm serve` printed on stdout, once it listens, or null before. The
 * admin line comes first, as soon as the admin listener is up (before the components load);
 * the public line once every worker listens.
 */
export function listeningAddresses(
  stdout: string,
): { url: string; adminUrl: string | null } | null {
  const url = /rusm listening on (https?:\/\/\S+)/.exec(stdout)?.[1];
  if (url === undefined) return null;
  return { url, adminUrl: /rusm admin listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? null };
}

/**
 * SIGTERM, then the exit code once `exited` settles. A server that does not stop (a frozen
 * event loop) gets SIGKILL after a grace, so it never outlives the test run; its exit code is
 * then null.
 */
export async function stopServer(
  child: ChildProcess,
  exited: Promise<number | null>,
): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const grace = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  try {
    return await exited;
  } finally {
    clearTimeout(grace);
  }
}

function nodeWithJspi(): string {
  if (typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function") {
    return process.execPath;
  }
  return existsSync(OWN_NODE) ? OWN_NODE : process.execPath;
}

/** A `rusm serve` child process that listens, as {@link spawnRusm} gives it. */
export interface ListeningRusm {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The admin listener, when routes.toml has an `[admin]` table. */
  readonly adminUrl: string | null;
  /** Settles with the exit code once the server exits. */
  readonly exited: Promise<number | null>;
  /** Everything the server wrote on stdout so far (the listening lines). */
  readonly stdout: () => string;
  /** Everything the server wrote on stderr so far. */
  readonly stderr: () => string;
}

export interface SpawnOptions {
  /** The rusm command to run (default `serve`; `dev` takes the same listen flags). */
  command?: "serve" | "dev" | undefined;
  /** Extra environment for the server. */
  env?: Record<string, string> | undefined;
  /** How long the start may take; default 120 s. Past it the server is killed. */
  timeoutMs?: number | undefined;
  /** The server's working directory; default this process's. */
  cwd?: string | undefined;
  /** Also wait for the admin listener (the routes file must have an `[admin]` table). */
  admin?: boolean | undefined;
  /** Node options before rusm's entry point (e.g. `--disable-wasm-trap-handler`). */
  nodeArgs?: readonly string[] | undefined;
  /** Another rusm checkout's `bin/rusm.mjs` to run instead of this one (a before/after run). */
  bin?: string | undefined;
  /**
   * Rewrites the command line before it is spawned: e.g. a shell that raises the fd limit, then
   * `exec`s the command (so the child's pid stays the server's).
   */
  launch?: ((command: string, args: string[]) => [string, string[]]) | undefined;
}

/**
 * Runs `rusm serve <serveArgs...>` (or `rusm dev`, with `command`) on a Node with JSPI and resolves once it listens (and, with
 * `admin`, once its admin listener does too). Rejects with the server's stderr when it exits
 * first (a config error, a bad component) or does not listen in time. The building block of
 * {@link startRusm} and of rusm's own integration tests (test/helpers/rusm.ts).
 */
export function spawnRusm(serveArgs: string[], options: SpawnOptions = {}): Promise<ListeningRusm> {
  const args = [
    ...(options.nodeArgs ?? []),
    options.bin ?? BIN,
    options.command ?? "serve",
    ...serveArgs,
  ];
  const [command, argv] = options.launch?.(nodeWithJspi(), args) ?? [nodeWithJspi(), args];
  const child = spawn(command, argv, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const timeoutMs = options.timeoutMs ?? 120_000;

  return new Promise<ListeningRusm>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`rusm did not start within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    const onOutput = (): void => {
      const addresses = listeningAddresses(out);
      if (addresses === null || (options.admin === true && addresses.adminUrl === null)) return;
      clearTimeout(timer);
      child.stdout.off("data", onOutput);
      done({ ...addresses, child, exited, stdout: () => out, stderr: () => err });
    };
    child.stdout.on("data", onOutput);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`rusm exited (${code}) before listening:\n${err.trim()}`));
    });
  });
}

/**
 * Starts `rusm serve <routesFile> --listen <listen>`; resolves once it listens.
 * Rejects with the server's stderr when it exits first (a config error, a bad component).
 */
export async function startRusm(
  routesFile: string,
  options: StartOptions = {},
): Promise<TestServer> {
  const listen = options.listen ?? "127.0.0.1:0";
  const rusm = await spawnRusm([resolve(routesFile), "--listen", listen], options);
  return {
    url: rusm.url,
    adminUrl: rusm.adminUrl,
    stderr: rusm.stderr,
    logs: () => parseLogLines(rusm.stderr()),
    stop: () => stopServer(rusm.child, rusm.exited),
  };
}

export { metricSum, scrape } from "./metrics.ts";
