/**
 * @module scripts/bench/lib/child
 * Spawns a server (or client) under test as its own OS process, waits for the line that says it
 * is ready, keeps the tail of its output for error messages, and stops it by its pid.
 *
 * `raiseFdLimit` starts the command through `sh -c 'ulimit -n <hard>; exec …'`, so a process
 * that holds thousands of sockets gets the hard file-descriptor limit; `exec` keeps the pid.
 * With a number, through `bash -c 'ulimit -n <N> && exec …'` (root may raise the hard limit;
 * fd-limit.ts finds out first whether that works, since a failing `ulimit` ends the child).
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";

export interface ChildOptions {
  /** Shown in errors. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Ready once a stdout or stderr line matches; capture group 1 is returned as `ready`. */
  readyPattern: RegExp;
  readyTimeoutMs?: number;
  /** Start with the hard fd limit as the soft one (`ulimit -n`), or with this many fds. */
  raiseFdLimit?: boolean | number;
  /** Open an IPC channel (the child can `process.send`). */
  ipc?: boolean;
  /** Start in its own process group, stopped as a group (for commands that fork a server). */
  group?: boolean;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Capture group 1 of the ready line. */
  readonly ready: string;
  /** The last few KB of stdout + stderr. */
  tail(): string;
  /** Null while running, else the exit code (or the signal). */
  exitStatus(): string | null;
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM (SIGKILL after `graceMs`), resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_CHARS = 4000;

/** The command and arguments to spawn: through a shell that sets the fd limit first, if asked. */
function withFdLimit(options: ChildOptions): [string, string[]] {
  const { command, args, raiseFdLimit } = options;
  if (typeof raiseFdLimit === "number") {
    return ["bash", ["-c", `ulimit -n ${raiseFdLimit} && exec "$@"`, "_", command, ...args]];
  }
  if (raiseFdLimit === true) {
    const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
    return ["/bin/sh", ["-c", script, "sh", command, ...args]];
  }
  return [command, args];
}

export async function startChild(options: ChildOptions): Promise<Child> {
  const stdio: StdioOptions = options.ipc
    ? ["pipe", "pipe", "pipe", "ipc"]
    : ["pipe", "pipe", "pipe"];
  const [command, args] = withFdLimit(options);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio,
    detached: options.group === true,
  });
  let tail = "";
  let status: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      status = signal ?? String(code);
      resolve();
    });
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let pending = "";
    const timeoutMs = options.readyTimeoutMs ?? 180_000;
    const timer = setTimeout(() => {
      reject(new Error(`${options.name} was not ready within ${timeoutMs} ms\n${tail}`));
    }, timeoutMs);
    const onData = (data: Buffer): void => {
      const text = data.toString();
      tail = (tail + text).slice(-TAIL_CHARS);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const m = options.readyPattern.exec(line);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1] ?? line);
        }
      }
    };
    // Keep reading both pipes for the child's whole life: a full pipe would block its writes.
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${status}) before it was ready\n${tail}`));
    });
  });
  const pid = child.pid!;

  return {
    name: options.name,
    pid,
    process: child,
    ready,
    tail: () => tail,
    exitStatus: () => status,
    exited,
    async stop(graceMs = 5_000) {
      // A group is signalled even when its leader is gone: the server it forked may live on.
      if (status !== null && options.group !== true) return;
      const target = options.group === true ? -pid : pid;
      try {
        process.kill(target, "SIGTERM");
      } catch {
        return; // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // Swallowed on purpose: it exited between the check and the kill.
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
      if (options.group === true) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // Swallowed on purpose: the whole group is already gone.
        }
      }
    },
  };
}

/** Anything the bench started and must stop. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Starts two servers one after the other. When the second cannot start, the first is stopped
 * before the error goes on: a server left running would keep the bench's process alive.
 */
export async function startPair<A extends Stoppable, B extends Stoppable>(
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  const a = await first();
  try {
    return [a, await second()];
  } catch (err) {
    await a.stop();
    throw err;
  }
}
