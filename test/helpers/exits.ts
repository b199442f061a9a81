/**
 * @module test/helpers/exits
 * Assertions on what a running rusm counts and logs about its processes: exit counts as deltas
 * of `rusm_process_exits_total{reason}`, the live count back to a baseline, the JSON log line
 * of an abnormal exit, and the server's CPU time over a window (for "parked, not spinning").
 */
import { expect } from "vitest";
import { EXIT_REASONS, type ExitCounts, type Rusm } from "./rusm.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function total(counts: ExitCounts): number {
  return EXIT_REASONS.reduce((sum, reason) => sum + counts[reason], 0);
}

/**
 * Waits until `expected`'s number of processes have exited since `before`, then asserts the
 * exits by reason are exactly `expected` (every other reason unchanged).
 */
export async function expectExits(
  rusm: Rusm,
  before: ExitCounts,
  expected: Partial<ExitCounts>,
  timeoutMs?: number,
): Promise<void> {
  const want = Object.values(expected).reduce((a, b) => a + b, 0);
  let now = before;
  await rusm.until(
    `${want} more process exits (${JSON.stringify(expected)})`,
    async () => {
      now = await rusm.exits();
      return total(now) - total(before) >= want;
    },
    timeoutMs,
  );
  const delta = Object.fromEntries(EXIT_REASONS.map((r) => [r, now[r] - before[r]]));
  const wanted = Object.fromEntries(EXIT_REASONS.map((r) => [r, expected[r] ?? 0]));
  expect(delta, "process exits by reason since the test started").toEqual(wanted);
}

/** Waits until no process is live (`rusm_processes` 0) and none is parked. */
export async function untilNoProcesses(rusm: Rusm, timeoutMs?: number): Promise<void> {
  await rusm.until(
    "rusm_processes and rusm_processes_parked back to 0",
    async () =>
      (await rusm.metric("rusm_processes")) === 0 &&
      (await rusm.metric("rusm_processes_parked")) === 0,
    timeoutMs,
  );
}

/** CPU time (ms) the server used during a window of `windowMs` of wall time. */
export async function cpuOver(rusm: Rusm, windowMs = 1000): Promise<number> {
  const start = await rusm.cpuMs();
  await sleep(windowMs);
  return (await rusm.cpuMs()) - start;
}

/**
 * Near idle: a parked server still answers our metric scrapes and runs Node's housekeeping, a
 * few ms per second; a spinning one uses ~1000 ms per second. CPU time, not wall time.
 */
export const IDLE_CPU_MS_PER_S = 150;

/** The JSON log lines of abnormal exits (`process exited abnormally`) matching `fields`. */
export function exitLogs(
  rusm: Rusm,
  fields: Record<string, unknown>,
): Array<Record<string, unknown>> {
  return rusm
    .logs()
    .filter(
      (l) =>
        l.msg === "process exited abnormally" &&
        Object.entries(fields).every(([k, v]) => l[k] === v),
    );
}

/**
 * Waits until the server's one live stream has stalled on a reader that stopped reading: its
 * process parked, and no byte handed to sockets (`rusm_body_bytes_total`) for a whole second.
 * On loopback the kernel's socket buffers take MBs first. Returns the bytes handed so far.
 */
export async function untilStalled(rusm: Rusm, timeoutMs = 60_000): Promise<number> {
  let stalledAt = 0;
  await rusm.until(
    "the stream stalls: process parked, rusm_body_bytes_total stable across 1 s",
    async () => {
      const first = await rusm.metric("rusm_body_bytes_total");
      await sleep(1000);
      stalledAt = await rusm.metric("rusm_body_bytes_total");
      return first === stalledAt && (await rusm.metric("rusm_processes_parked")) === 1;
    },
    timeoutMs,
  );
  return stalledAt;
}
