/**
 * @module scripts/bench/parked
 * 20,000 parked small-guest streams in one process: rusm with one `live-tail` process per
 * stream, each parked in its mailbox, against a plain node:http SSE server holding as many idle
 * responses; the same client process opens them. Per side: RSS with all N parked (and per
 * stream), hello latency on the same server while they stay parked, one publish → all
 * delivered. See README.md beside this file.
 *
 *     node scripts/bench/parked/bench.ts [--short] [--parked-streams N] [--seconds N]
 */
import { wireSample } from "../fanout/checks.ts";
import { startPlainFanout, startRusmFanout, type FanoutServer } from "../fanout/servers.ts";
import { ephemeralPorts, fdLimit, FD_HEADROOM } from "../lib/fd-limit.ts";
import { runMain } from "../lib/main.ts";
import { num, type BenchOptions, type BenchReport, type SummaryRow } from "../lib/report.ts";
import { rawGet } from "../lib/wire.ts";
import { measureSide, type SideResult } from "./side.ts";

/** The target from issue 5: 20,000 parked small-guest streams in one process in 3 GiB or less. */
export const PARKED_TARGET = { streams: 20_000, mib: 3072 };

/** The fd limit asked for every process of the bench (root may raise the hard limit). */
const WANTED_FDS = 65_536;
/**
 * Past this many live processes V8's guard regions (~8 GiB of address space per linear memory)
 * exhaust the 128 TiB a process has, so rusm runs with explicit bounds checks instead, as the
 * README's Limits tell operators to (`--disable-wasm-trap-handler`).
 */
const GUARD_REGION_PROCESSES = 15_000;

/** Ephemeral ports left for everything else on the machine. */
const PORT_HEADROOM = 2048;

/** N: what was asked, capped by the fd limit and the ephemeral ports; the reasons. */
function streamCount(asked: number, log: (line: string) => void) {
  const fd = fdLimit(WANTED_FDS);
  const ports = ephemeralPorts();
  const notes: string[] = [];
  if (!fd.raised) notes.push(fd.note);
  let n = asked;
  if (n > fd.limit - FD_HEADROOM) {
    n = fd.limit - FD_HEADROOM;
    notes.push(`N capped at ${num(n)} (fd limit ${num(fd.limit)} - ${FD_HEADROOM} headroom)`);
  }
  if (n > ports - PORT_HEADROOM) {
    n = ports - PORT_HEADROOM;
    notes.push(`N capped at ${num(n)} (${num(ports)} ephemeral ports)`);
  }
  log(
    `parked: fd limit ${num(fd.limit)}${fd.raised ? " (raised)" : ""}, ${num(ports)} ephemeral ports (net.ipv4.ip_local_port_range): ${num(n)} streams per side, one side at a time`,
  );
  for (const note of notes) log(`parked: NOTE ${note}`);
  return { n, fdLimit: fd.limit, notes };
}

/** The same bytes on both servers: the hello answer, and a tail's head + first event. */
async function checkWire(
  plain: FanoutServer,
  rusm: FanoutServer,
  errors: string[],
  log: (line: string) => void,
) {
  const [plainHello, rusmHello] = [await rawGet(plain.url, "/"), await rawGet(rusm.url, "/")];
  if (plainHello !== rusmHello) {
    errors.push(`parked: hello responses differ\n--- plain\n${plainHello}\n--- rusm\n${rusmHello}`);
  }
  const [plainTail, rusmTail] = [await wireSample(plain), await wireSample(rusm)];
  if (plainTail !== rusmTail) {
    errors.push(`parked: tail responses differ\n--- plain\n${plainTail}\n--- rusm\n${rusmTail}`);
  }
  if (plainHello === rusmHello && plainTail === rusmTail) {
    log("parked: identical hello responses and tail head + first event (Date blanked)");
  }
}

function rows(n: number, asked: number, p: SideResult | null, r: SideResult | null): SummaryRow[] {
  const at = `N=${num(n)}`;
  const row = (measure: string, f: (s: SideResult) => number, digits: number): SummaryRow => {
    const [rv, pv] = [r === null ? NaN : f(r), p === null ? NaN : f(p)];
    return {
      bench: "parked",
      measure: `${at}: ${measure}`,
      rusm: r === null ? "failed" : num(rv, digits),
      baseline: p === null ? "failed" : num(pv, digits),
      ratio: r !== null && p !== null && pv > 0 ? rv / pv : null,
      target: "",
      meets: null,
    };
  };
  // The target's row: measured at 20,000, else the line through "before" and per stream.
  const measured = n >= PARKED_TARGET.streams;
  const at20k = (s: SideResult): number =>
    measured ? s.rssKiB / 1024 : (s.rssBeforeKiB + PARKED_TARGET.streams * s.perStreamKiB) / 1024;
  const target = row("", at20k, 0);
  target.measure = measured
    ? `server RSS MiB at ${num(PARKED_TARGET.streams)} parked (lower is better)`
    : `server RSS MiB at ${num(PARKED_TARGET.streams)} parked, extrapolated from ${at} (lower is better)`;
  target.target = `<= ${PARKED_TARGET.mib / 1024} GiB at ${num(PARKED_TARGET.streams)}`;
  target.meets = r === null ? false : at20k(r) <= PARKED_TARGET.mib;
  return [
    row(`streams parked, of ${num(asked)} asked`, (s) => s.n, 0),
    row("server RSS MiB, all parked (lower is better)", (s) => s.rssKiB / 1024, 0),
    row("RSS KiB per parked stream (lower is better)", (s) => s.perStreamKiB, 1),
    target,
    row("time to open and park all, s (lower is better)", (s) => s.parkSeconds, 1),
    row("hello while parked: req/s (higher is better)", (s) => s.hello.rps, 0),
    row("hello while parked: p50 ms (lower is better)", (s) => s.hello.p50, 2),
    row("hello while parked: p99 ms (lower is better)", (s) => s.hello.p99, 2),
    row("one publish → first delivery ms (lower is better)", (s) => s.firstDeliveryMs, 1),
    row("one publish → all delivered ms (lower is better)", (s) => s.lastDeliveryMs, 1),
  ];
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const errors: string[] = [];
  const asked = options.parkedStreams;
  const { n, fdLimit: fds } = streamCount(asked, log);
  const servers: FanoutServer[] = [];
  const results: Array<SideResult | null> = [];
  try {
    // One at a time: a server that started is in `servers`, stopped below whatever fails next.
    servers.push(await startPlainFanout({ hello: true, fdLimit: fds }));
    const explicitBounds = n > GUARD_REGION_PROCESSES;
    if (explicitBounds) {
      log(
        `parked: rusm runs with --disable-wasm-trap-handler (N > ${num(GUARD_REGION_PROCESSES)})`,
      );
    }
    servers.push(
      await startRusmFanout({
        hello: true,
        fdLimit: fds,
        nodeArgs: explicitBounds ? ["--disable-wasm-trap-handler"] : [],
      }),
    );
    await checkWire(servers[0]!, servers[1]!, errors, log);
    // One side at a time: each gets the machine, its own client process and the port range.
    for (const server of servers) {
      log(`parked: ${server.name}, ${num(n)} live-tail streams`);
      try {
        results.push(await measureSide(server, n, fds, options, errors));
      } catch (err) {
        // measureSide's message already holds the stack and the server's state.
        const message = err instanceof Error ? err.message : String(err);
        errors.push(`parked N=${num(n)} ${server.name} failed: ${message}`);
        results.push(null);
      }
      await server.stop();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return { bench: "parked", rows: rows(n, asked, results[0] ?? null, results[1] ?? null), errors };
}

if (import.meta.main) await runMain("parked", run);
