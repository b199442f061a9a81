/**
 * @module scripts/bench/lib/fd-limit
 * How many sockets a bench may open on this machine: the file-descriptor limit its server and
 * client processes can be started with, and the loopback ephemeral ports a client can use.
 *
 * Each process holding N sockets needs N fds plus its own (~30 for Node, listeners, pipes).
 * `ulimit -Hn` is often below what a bench wants; root may raise it, unless the container
 * dropped `CAP_SYS_RESOURCE`. So a bench asks for `wanted` fds, learns whether a child shell
 * can set that, and caps its N at what it can actually get.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** fds a process keeps for itself beyond its N sockets (Node, listeners, pipes, a few clients). */
export const FD_HEADROOM = 256;

export interface FdLimit {
  /** The limit children get (pass it as `raiseFdLimit`). */
  limit: number;
  /** Whether `wanted` could be set. */
  raised: boolean;
  /** Why not, when it could not (the shell's error and the hard limit). */
  note: string;
}

function shell(script: string): string {
  return execFileSync("bash", ["-c", script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/**
 * The fd limit a child started through `bash -c 'ulimit -n <limit> && exec …'` gets: `wanted`
 * when a shell can set it (as root, past the hard limit), else the hard limit.
 */
export function fdLimit(wanted: number): FdLimit {
  try {
    return { limit: Number(shell(`ulimit -n ${wanted} && ulimit -n`)), raised: true, note: "" };
  } catch (err) {
    const why = ((err as { stderr?: string }).stderr ?? String(err)).trim().split("\n").at(-1);
    const hard = Number(shell("ulimit -Hn"));
    const limit = Number.isFinite(hard) ? Math.min(hard, wanted) : 1024;
    return {
      limit,
      raised: false,
      note: `could not raise the fd limit to ${wanted} (${why}); the hard limit is ${limit}`,
    };
  }
}

/** How many ephemeral ports a client can connect from (`net.ipv4.ip_local_port_range`). */
export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    return hi! - lo! + 1;
  } catch {
    return 28_232; // Linux's default range, 32768-60999
  }
}
