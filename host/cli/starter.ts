/**
 * @module cli/starter
 * Stopping with the npm process that started rusm. `npm start` and `npx rusm serve` run rusm
 * under `sh -c`: a SIGTERM sent to npm (by systemd, a container runtime, CI) ends npm and the
 * shell, and without this rusm would go on listening, orphaned. So when started by npm (its
 * `npm_*` environment), rusm notes its ancestors up to and including the npm process and
 * checks twice a second that each is still there (the same pid, with the same start time, so
 * a reused pid is not mistaken for it); the first one gone counts as a signal.
 *
 * Linux only (it reads /proc); elsewhere, and when not started by npm, nothing is watched.
 * A check reads two small /proc files per ancestor; the timer does not keep Node alive.
 */
import { readFileSync } from "node:fs";

/** How often the ancestors are looked at. */
const CHECK_MS = 500;
/** Ancestors looked through for npm (npm -> sh -> node is 2). */
const MAX_DEPTH = 8;

interface Ancestor {
  readonly pid: number;
  /** /proc/<pid>/stat field 22: start time in clock ticks since boot. */
  readonly started: string;
}

/** `[ppid, starttime]` of `pid`, or null when it is gone (or /proc is unreadable). */
function stat(pid: number): { ppid: number; started: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), started: fields[19]! };
  } catch {
    return null;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** True for npm's own process (`npm`, `npx`, `npm exec`, `npm run`, `npm start`). */
function isNpm(cmdline: string): boolean {
  return /(^|[\s/])(npm|npx)(-cli\.js)?(\s|$)/.test(cmdline);
}

/** The chain from rusm's parent up to the npm process that started it, or [] if none. */
export function npmAncestors(env: NodeJS.ProcessEnv = process.env): Ancestor[] {
  if (env.npm_execpath === undefined && env.npm_lifecycle_event === undefined) return [];
  const chain: Ancestor[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const s = stat(pid);
    if (s === null) return [];
    chain.push({ pid, started: s.started });
    if (isNpm(commandLine(pid))) return chain;
    pid = s.ppid;
  }
  return [];
}

/**
 * Calls `gone` once, when one of the npm ancestors (see the module comment) has exited.
 * Returns a function that stops watching.
 */
export function whenStarterGone(
  gone: () => void,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const chain = npmAncestors(env);
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    if (chain.every((a) => stat(a.pid)?.started === a.started)) return;
    clearInterval(timer);
    gone();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
