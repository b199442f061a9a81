/**
 * @module scripts/bench/jco-serve
 * The hello bench with a third side: jco 1.35's own server, `jco serve --isolate-requests
 * instance` (a fresh instance per request, like rusm), on the same `http-hello` component.
 * All three sides in one run. See README.md beside this file.
 *
 *     node scripts/bench/jco-serve/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { startChild, startPair, type Child } from "../lib/child.ts";
import { load } from "../lib/load.ts";
import { runMain } from "../lib/main.ts";
import { guestPath, NODE, ROOT } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { CONNECTIONS, describeLoad, fold } from "../lib/rate.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { startRusm } from "../lib/rusm.ts";
import { alternate } from "../lib/sides.ts";
import { rawGet } from "../lib/wire.ts";

const JCO_BIN = join(ROOT, "node_modules", "@bytecodealliance", "jco", "dist", "jco.js");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `jco serve` transpiles into a temp dir, then runs the server as a child Node process: it is
 * started in its own process group and stopped as a group.
 */
async function startJcoServe(
  wasm: string,
): Promise<{ url: string; child: Child; serverPid: number }> {
  const port = await freePort();
  const child = await startChild({
    name: "jco serve",
    command: NODE,
    args: [
      JCO_BIN,
      "serve",
      wasm,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--isolate-requests",
      "instance",
    ],
    cwd: ROOT,
    readyPattern: /Server listening @ (\S+?)\.\.\./,
    group: true,
  });
  // The server is jco's child (`node _run.js`): its CPU time is what the round costs.
  const { execFileSync } = await import("node:child_process");
  const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(child.pid)], {
    encoding: "utf8",
  });
  const serverPid = Number(children.trim().split(/\s+/)[0] ?? child.pid) || child.pid;
  return { url: `http://${child.ready}`, child, serverPid };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const guest = guestPath("http-hello");
  let jco: Awaited<ReturnType<typeof startJcoServe>>;
  try {
    jco = await startJcoServe(guest);
  } catch (err) {
    log(`jco-serve: jco serve does not run here: ${(err as Error).message}`);
    return { bench: "jco-serve", rows: [], errors: [] };
  }
  // jco serve is already running: stop it too when the other two cannot start.
  const [plain, rusm] = await startPair(startPlain, () =>
    startRusm({ components: { hello: guest }, routes: { "GET /": "hello" } }),
  ).catch(async (err: unknown) => {
    await jco.child.stop();
    throw err;
  });
  try {
    const plainRaw = await rawGet(plain.url, "/");
    for (const [name, url] of [
      ["rusm", rusm.url],
      ["jco serve", jco.url],
    ] as const) {
      const raw = await rawGet(url, "/");
      if (raw === plainRaw) log(`jco-serve: ${name} answers the same bytes as plain`);
      else log(`jco-serve: NOTE ${name} answers other bytes than plain:\n${raw}`);
    }
    log(
      `jco-serve: warm-up ${options.warmupSeconds} s per side, then ${options.rounds} x ${options.seconds} s per side, c=${CONNECTIONS}`,
    );
    for (const url of [plain.url, rusm.url, jco.url])
      await load(url, CONNECTIONS, options.warmupSeconds);
    const measured = await alternate(
      [
        {
          name: "plain",
          pid: plain.child.pid,
          measure: () => load(plain.url, CONNECTIONS, options.seconds),
        },
        {
          name: "rusm",
          pid: rusm.child.pid,
          measure: () => load(rusm.url, CONNECTIONS, options.seconds),
        },
        {
          name: "jco serve",
          pid: jco.serverPid,
          measure: () => load(jco.url, CONNECTIONS, options.seconds),
        },
      ],
      options.rounds,
      log,
      describeLoad,
    );
    const [p, r, j] = measured.map(fold) as [
      ReturnType<typeof fold>,
      ReturnType<typeof fold>,
      ReturnType<typeof fold>,
    ];
    if (p.failures + r.failures > 0)
      errors.push(`jco-serve: failed requests (plain ${p.failures}, rusm ${r.failures})`);
    if (j.failures > 0) log(`jco-serve: NOTE jco serve failed ${j.failures} requests`);
    const rows: SummaryRow[] = [
      {
        measure: "req/s: rusm vs plain",
        rusm: num(r.rps),
        baseline: num(p.rps),
        ratio: r.rps / p.rps,
      },
      {
        measure: "req/s: jco serve vs plain",
        rusm: `jco ${num(j.rps)}`,
        baseline: num(p.rps),
        ratio: j.rps / p.rps,
      },
      {
        measure: "req/s: rusm vs jco serve",
        rusm: num(r.rps),
        baseline: `jco ${num(j.rps)}`,
        ratio: r.rps / j.rps,
      },
      {
        measure: "p99 ms: rusm vs jco serve (lower is better)",
        rusm: num(r.p99, 1),
        baseline: `jco ${num(j.p99, 1)}`,
        ratio: r.p99 / j.p99,
      },
    ].map((row) => ({ bench: "jco-serve", target: "", meets: null, ...row }));
    return { bench: "jco-serve", rows, errors };
  } finally {
    await Promise.all([plain.stop(), rusm.stop(), jco.child.stop()]);
  }
}

if (import.meta.main) await runMain("jco-serve", run);
