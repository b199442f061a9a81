/**
 * @module scripts/bench/lib/timed
 * Runs a command to its end, timed: wall seconds, and under GNU time the CPU and peak RSS of
 * its whole process tree (builds: wizer, the splicer, cargo, ...). Rejects when it fails, with
 * the end of its stderr.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { ROOT } from "./paths.ts";

/** GNU time: the children's CPU and peak RSS. */
const TIME = "/usr/bin/time";

export interface Build {
  wallS: number;
  cpuS: number;
  peakMiB: number;
}

/**
 * Runs `command` under GNU time (`%e %U %S %M`: wall, user, system seconds, peak RSS KiB of the
 * largest process of the tree); rejects when it fails. Without GNU time, only the wall time is
 * measured (CPU and peak RSS are NaN: "n/a").
 */
export function timed(command: string, args: string[]): Promise<Build> {
  if (!existsSync(TIME)) return wallOnly(command, args);
  return new Promise((done, fail) => {
    const child = spawn(TIME, ["-f", "rusm-bench-time %e %U %S %M", command, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      const m = /rusm-bench-time (\S+) (\S+) (\S+) (\d+)/.exec(err);
      if (code !== 0 || m === null) {
        fail(new Error(`${command} ${args.join(" ")} failed (${code}):\n${err.slice(-2000)}`));
        return;
      }
      const [wall, user, sys, kib] = m.slice(1).map(Number) as [number, number, number, number];
      done({ wallS: wall, cpuS: user + sys, peakMiB: kib / 1024 });
    });
  });
}

/** Runs `command` timed by the wall clock only (CPU and peak RSS NaN); rejects when it fails. */
export function wallOnly(command: string, args: string[]): Promise<Build> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) {
        fail(new Error(`${command} ${args.join(" ")} failed (${code}):\n${err.slice(-2000)}`));
      } else done({ wallS: (performance.now() - started) / 1000, cpuS: NaN, peakMiB: NaN });
    });
  });
}
