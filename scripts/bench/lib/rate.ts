/**
 * @module scripts/bench/lib/rate
 * Requests/s side by side: rusm and the plain baseline answering one path, the same bytes,
 * under autocannon `c=10` in alternating rounds; the rounds folded into req/s, latency
 * percentiles and server CPU per request, and the summary rows they make. Used by hello,
 * sm-hello and jco-serve.
 */
import { combine, load, type LoadResult } from "./load.ts";
import type { PlainServer } from "./plain.ts";
import { num, type BenchOptions, type SummaryRow } from "./report.ts";
import { metricValue, type RusmServer } from "./rusm.ts";
import { alternate, type Measured } from "./sides.ts";
import { rawGet } from "./wire.ts";

/** autocannon connections, as the issue asks. */
export const CONNECTIONS = 10;

/** One side's rounds folded. */
export type Folded = LoadResult & { cpuUsPerRequest: number };

export function describeLoad(r: LoadResult): string {
  return `${num(r.rps)} req/s, p50 ${num(r.p50, 2)} ms, p99 ${num(r.p99, 2)} ms${r.failures > 0 ? `, ${r.failures} FAILED` : ""}`;
}

/** Folds a side's rounds: combined load plus server CPU µs per request. */
export function fold(rounds: Array<Measured<LoadResult>>): Folded {
  const total = combine(rounds.map((r) => r.result));
  const cpu = rounds.reduce((s, r) => s + r.cpuMs, 0);
  return { ...total, cpuUsPerRequest: (cpu * 1000) / Math.max(1, total.requests) };
}

/**
 * Checks that `GET path` gives the same raw response from both servers (`Date` blanked), warms
 * each up, runs the alternating rounds, and checks validity: no failed request, every rusm
 * process exited `normal`. Problems go to `errors`, prefixed with `bench`.
 */
export async function compareRate(
  bench: string,
  servers: {
    plain: PlainServer;
    rusm: RusmServer;
    before?: RusmServer | null;
    /** The same rusm with `access-log = true` (RUSM_BENCH_ACCESS_LOG). */
    accessLog?: RusmServer | null;
  },
  path: string,
  options: BenchOptions,
  errors: string[],
): Promise<{ plain: Folded; rusm: Folded; before: Folded | null; accessLog: Folded | null }> {
  const { plain, rusm } = servers;
  const before = servers.before ?? null;
  const accessLog = servers.accessLog ?? null;
  const log = options.log;
  const [plainRaw, rusmRaw] = [await rawGet(plain.url, path), await rawGet(rusm.url, path)];
  if (plainRaw !== rusmRaw) {
    errors.push(`${bench}: responses differ\n--- plain\n${plainRaw}\n--- rusm\n${rusmRaw}`);
  } else {
    log(
      `${bench}: identical responses (${Buffer.byteLength(rusmRaw, "latin1")} bytes, Date blanked)`,
    );
  }
  log(
    `${bench}: warm-up ${options.warmupSeconds} s per side, then ${options.rounds} x ${options.seconds} s per side, c=${CONNECTIONS}`,
  );
  await load(`${plain.url}${path}`, CONNECTIONS, options.warmupSeconds);
  await load(`${rusm.url}${path}`, CONNECTIONS, options.warmupSeconds);
  if (before !== null) {
    const beforeRaw = await rawGet(before.url, path);
    if (beforeRaw !== rusmRaw) errors.push(`${bench}: rusm before and now answer differently`);
    await load(`${before.url}${path}`, CONNECTIONS, options.warmupSeconds);
  }
  if (accessLog !== null) {
    if ((await rawGet(accessLog.url, path)) !== rusmRaw) {
      errors.push(`${bench}: rusm with and without the access log answer differently`);
    }
    await load(`${accessLog.url}${path}`, CONNECTIONS, options.warmupSeconds);
  }
  const sides = await alternate(
    [
      {
        name: "plain",
        pid: plain.child.pid,
        measure: () => load(`${plain.url}${path}`, CONNECTIONS, options.seconds),
      },
      {
        name: "rusm",
        pid: rusm.child.pid,
        measure: () => load(`${rusm.url}${path}`, CONNECTIONS, options.seconds),
      },
      ...(before === null
        ? []
        : [
            {
              name: "rusm before",
              pid: before.child.pid,
              measure: () => load(`${before.url}${path}`, CONNECTIONS, options.seconds),
            },
          ]),
      ...(accessLog === null
        ? []
        : [
            {
              name: "rusm access-log",
              pid: accessLog.child.pid,
              measure: () => load(`${accessLog.url}${path}`, CONNECTIONS, options.seconds),
            },
          ]),
    ],
    options.rounds,
    log,
    describeLoad,
  );
  const [plainRounds, rusmRounds] = sides;
  const beforeRounds = before === null ? undefined : sides[2];
  const accessRounds = accessLog === null ? undefined : sides[before === null ? 2 : 3];
  const p = fold(plainRounds!);
  const r = fold(rusmRounds!);
  for (const [name, side] of [
    ["plain", p],
    ["rusm", r],
  ] as const) {
    if (side.failures > 0)
      errors.push(`${bench}: ${side.failures} failed requests against ${name}`);
  }
  await checkExits(bench, rusm, options.rounds + 1, CONNECTIONS, errors, log);
  return {
    plain: p,
    rusm: r,
    before: beforeRounds === undefined ? null : fold(beforeRounds),
    accessLog: accessRounds === undefined ? null : fold(accessRounds),
  };
}

/**
 * Rows comparing two runs of rusm side by side (`side` against `base`), each measure labelled
 * `<measure>, <versus> (baseline column = <baseName>)`.
 */
function sideRows(
  bench: string,
  versus: string,
  baseName: string,
  side: Folded,
  base: Folded,
  measures: ReadonlyArray<"rps" | "p50" | "p99" | "cpuUsPerRequest">,
): SummaryRow[] {
  const label = {
    rps: "req/s",
    p50: "p50 ms",
    p99: "p99 ms",
    cpuUsPerRequest: "server CPU µs/request",
  };
  return measures.map((m) => ({
    bench,
    measure: `${label[m]}, ${versus} (baseline column = ${baseName})`,
    rusm: num(side[m], m === "p50" || m === "p99" ? 2 : 0),
    baseline: num(base[m], m === "p50" || m === "p99" ? 2 : 0),
    ratio: side[m] / base[m],
    target: "",
    meets: null,
  }));
}

/** The rows of the access-log side: rusm with `access-log = true` / the same rusm without. */
export function accessLogRows(bench: string, on: Folded, off: Folded): SummaryRow[] {
  return sideRows(bench, "access log on vs off", "off", on, off, ["rps", "p50", "cpuUsPerRequest"]);
}

/** The rows of the "before" side (an earlier rusm, RUSM_BENCH_BEFORE): now / before. */
export function beforeRows(bench: string, now: Folded, before: Folded): SummaryRow[] {
  return sideRows(bench, "rusm now vs before", "before", now, before, [
    "rps",
    "p50",
    "p99",
    "cpuUsPerRequest",
  ]);
}

/** The req/s, p50, p99 and CPU rows; `reqTarget` fills the req/s row's target and verdict. */
export function rateRows(
  bench: string,
  r: Folded,
  p: Folded,
  reqTarget: { text: string; meets: boolean } | null,
): SummaryRow[] {
  const rows = [
    {
      measure: "req/s (higher is better)",
      rusm: num(r.rps),
      baseline: num(p.rps),
      ratio: r.rps / p.rps,
      target: reqTarget?.text ?? "",
      meets: reqTarget?.meets ?? null,
    },
    {
      measure: "p50 latency ms (lower is better)",
      rusm: num(r.p50, 2),
      baseline: num(p.p50, 2),
      ratio: r.p50 / p.p50,
    },
    {
      measure: "p99 latency ms (lower is better)",
      rusm: num(r.p99, 2),
      baseline: num(p.p99, 2),
      ratio: r.p99 / p.p99,
    },
    {
      measure: "server CPU µs/request (lower is better)",
      rusm: num(r.cpuUsPerRequest),
      baseline: num(p.cpuUsPerRequest),
      ratio: r.cpuUsPerRequest / p.cpuUsPerRequest,
    },
  ];
  return rows.map((row) => ({ bench, target: "", meets: null, ...row }));
}

/**
 * Checks how a rate bench's rusm processes ended, once all have: `normal`, or `disconnected`
 * for at most `connections` per load phase. The load generator stops each phase (warm-up, rounds)
 * with up to `connections` requests in flight: their clients leave and those processes end
 * `disconnected` (a guest that yields to the event loop mid-request sees it). More than that,
 * or any other reason, makes the run invalid.
 */
export async function checkExits(
  bench: string,
  rusm: RusmServer,
  phases: number,
  connections: number,
  errors: string[],
  log: (line: string) => void,
): Promise<void> {
  // The last phase's cut requests finish after it: wait for them, then read one scrape, so the
  // counts agree with each other.
  for (let i = 0; i < 100 && (await rusm.metric("rusm_processes")) > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = await (await fetch(`${rusm.adminUrl}/metrics`)).text();
  const exitsBy = (reason?: string): number =>
    metricValue(text, "rusm_process_exits_total", reason === undefined ? {} : { reason });
  const exits = exitsBy();
  const normal = exitsBy("normal");
  const cut = exitsBy("disconnected");
  if (exits !== normal + cut || cut > connections * phases) {
    const by = ["disconnected", "trap", "oom", "killed", "timeout", "cpu"]
      .map((reason) => `${exitsBy(reason)} ${reason}`)
      .filter((line) => !line.startsWith("0 "));
    errors.push(
      `${bench}: ${exits - normal} rusm processes ended abnormally (${by.join(", ")}; at most ${connections * phases} disconnected at the ends of the ${phases} load phases are expected)`,
    );
  }
  log(
    `${bench}: rusm served ${num(exits)} processes: ${num(normal)} normal, ${num(cut)} disconnected (clients cut at a phase's end)`,
  );
}
