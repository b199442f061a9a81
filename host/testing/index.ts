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
import { spawn } from "node:child_process";
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

function nodeWithJspi(): string {
  if (typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function") {
    return process.execPath;
  }
  return existsSync(OWN_NODE) ? OWN_NODE : process.execPath;
}

/**
 * Starts `rusm serve <routesFile> --listen <listen>`; resolves once it listens.
 * Rejects with the server's stderr when it exits first (a config error, a bad component).
 */
export function startRusm(routesFile: string, options: StartOptions = {}): Promise<TestServer> {
  const listen = options.listen ?? "127.0.0.1:0";
  const child = spawn(nodeWithJspi(), [BIN, "serve", resolve(routesFile), "--listen", listen], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const timeoutMs = options.timeoutMs ?? 120_000;

  return new Promise<TestServer>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`rusm did not start within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    const onOutput = (): void => {
      const url = /rusm listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout.off("data", onOutput);
      // The admin line is written right after the public one, in the same tick.
      setImmediate(() => {
        const adminUrl = /rusm admin listening on (http:\/\/\S+)/.exec(out)?.[1] ?? null;
        done({
          url,
          adminUrl,
          stderr: () => err,
          logs: () =>
            err
              .split("\n")
              .filter((l) => l.startsWith("{"))
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
      });
    };
    child.stdout.on("data", onOutput);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`rusm exited (${code}) before listening:\n${err.trim()}`));
    });
  });
}
