/**
 * Compiling every function at load (issue 15, `RUSM_COMPILE=eager`, component/compile.ts): no
 * wasm function is compiled while requests are served. V8 compiles wasm lazily by default, each
 * function on its first call, on the worker thread that calls it.
 *
 * Seen with V8's own trace: `node --trace-wasm-compilation-times` prints one line per function
 * compiled ("Compiled function …#N using Liftoff, took …"). (`--trace-wasm-lazy-compilation`
 * would say it directly, but it is a debug-build flag: Node's release build accepts it and
 * prints nothing.) V8 prints with C's stdio: buffered, so its lines do not interleave reliably
 * with rusm's "listening" line, and lost at exit when stdout is a pipe (Node makes pipes
 * non-blocking; the final flush gets EAGAIN). So the server's stdout is a file here, read once
 * the process has exited, and each case starts a server twice with the same routes, two
 * workers each: once
 * stopped as soon as it listens, once after serving 90 requests over six connections at a time
 * (both workers serve). Baseline (Liftoff) compiles are counted; TurboFan lines are V8's
 * background tier-up of hot functions and are not.
 *
 * - `RUSM_COMPILE=eager`: load compiles every function (over 12,000, StarlingMonkey's engine);
 *   serving adds at most a few baseline recompilations (V8's deopts of speculatively inlined
 *   code, load-dependent), not the request path's first compiles.
 * - by default (lazy): the served run compiles more (StarlingMonkey's request path on its
 *   first request): what the check sees without eager compilation.
 *
 * The components: a StarlingMonkey guest through jco's glue, a WAT guest on the lean ABI, a
 * multi-module guest through the glue.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { open, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { listeningAddresses, parseLogLines, stopServer } from "../host/testing/index.ts";
import { BIN, ROOT, guest, routes, writeRoutes } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]\nsm = "${guest("sm-hello")}"\nwat = "${guest("http-hello")}"\n` +
    `p1 = "${guest("wasip1-hello")}"\n\n` +
    `[serve.routes]\n"GET /sm" = "sm"\n"GET /wat" = "wat"\n"GET /p1" = "p1"\n`,
  "workers = 2",
);

/** 30 requests to each route, six connections at a time, each request on a new connection. */
async function serveSome(url: string): Promise<void> {
  const agent = new Agent({ connections: 6 });
  try {
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (const path of ["/sm", "/wat", "/p1"]) {
            const res = await request(`${url}${path}`, {
              dispatcher: agent,
              headers: { connection: "close" },
            });
            expect(res.statusCode, path).toBe(200);
            await res.body.text();
          }
        }),
      );
    }
  } finally {
    await agent.close();
  }
}

interface Run {
  /** Baseline compiles V8 printed over the server's whole life. */
  liftoff: number;
  /** The worker indexes that logged a process exit. */
  workers: Set<unknown>;
}

/**
 * Starts `node --trace-wasm-compilation-times bin/rusm.mjs serve` with its stdout in a file,
 * serves requests or not, stops it (SIGTERM, exit 0), and counts.
 */
async function run(env: Record<string, string>, serve: boolean): Promise<Run> {
  const routesFile = await writeRoutes(TOML);
  const stdoutFile = join(dirname(routesFile), "stdout.txt");
  const out = await open(stdoutFile, "w");
  const child = spawn(
    process.execPath,
    ["--trace-wasm-compilation-times", BIN, "serve", routesFile],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, RUSM_LOG: "debug" },
      stdio: ["ignore", out.fd, "pipe"],
    },
  );
  await out.close();
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  let url: string | undefined;
  for (const started = Date.now(); url === undefined;) {
    url = listeningAddresses(await readFile(stdoutFile, "utf8"))?.url;
    if (url !== undefined) break;
    if (child.exitCode !== null || Date.now() - started > 120_000) {
      throw new Error(`rusm did not start\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (serve) await serveSome(url);
  expect(await stopServer(child, exited)).toBe(0);
  const lines = (await readFile(stdoutFile, "utf8")).split("\n");
  return {
    liftoff: lines.filter((l) => / using Liftoff\b/.test(l)).length,
    workers: new Set(
      parseLogLines(stderr)
        .filter((l) => l.msg === "process exited")
        .map((l) => l.worker),
    ),
  };
}

describe("compiling at load", () => {
  it("RUSM_COMPILE=eager: load compiles every function; serving 90 requests on two workers adds no first compiles", async () => {
    const idle = await run({ RUSM_COMPILE: "eager" }, false);
    const served = await run({ RUSM_COMPILE: "eager" }, true);
    expect(served.workers, "both workers served").toEqual(new Set([1, 2]));
    expect(idle.liftoff, "StarlingMonkey's engine alone has ~12,700 functions").toBeGreaterThan(
      12_000,
    );
    // What serving adds is at most a few recompilations (V8 falls back to baseline code when
    // a speculatively optimized function deopts: seen up to 30 in a loaded full run), far
    // below the lazy request path's ~145 first compiles (the next case).
    expect(
      served.liftoff - idle.liftoff,
      "functions compiled while serving, beyond those compiled at load",
    ).toBeLessThan(50);
  });

  it("by default (lazy), the same requests compile functions on the workers", async () => {
    const idle = await run({}, false);
    const served = await run({}, true);
    expect(idle.liftoff, "lazily, load compiles a fraction of the engine").toBeLessThan(6_000);
    expect(served.liftoff - idle.liftoff).toBeGreaterThan(50);
  });
});
