/**
 * @module scripts/bench/lib/proc
 * What Linux says about a process (/proc): resident memory and CPU time. And the machine's load.
 */
import { readFileSync } from "node:fs";

function statusField(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Resident set size (VmRSS) in KiB. */
export function rssKiB(pid: number): number {
  return statusField(pid, "VmRSS");
}

/**
 * Virtual memory size (VmSize) in KiB: each wasm memory reserves ~8 GiB of address space (V8's
 * guard regions), and a 47-bit user address space holds 128 TiB.
 */
export function vmSizeKiB(pid: number): number {
  return statusField(pid, "VmSize");
}

/** Peak resident set size (VmHWM) in KiB. */
export function peakRssKiB(pid: number): number {
  return statusField(pid, "VmHWM");
}

/** User + system CPU time in ms (fields 14 and 15 of /proc/pid/stat, in 10 ms ticks). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The 1-minute load average and the number of CPUs, for the machine caveats. */
export function machineLoad(): { load1: number; cpus: number } {
  const load1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  const cpus = readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm)?.length ?? 0;
  return { load1, cpus };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
