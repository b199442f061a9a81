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

/** `command args` as spawned: through a shell that sets the fd limit first, if asked. */
export function withFdLimit(
  command: string,
  args: string[],
  raiseFdLimit: boolean | number | undefined,
): [string, string[]] {
  if (typeof raiseFdLimit === "number") {
    return ["bash", ["-c", `ulimit -n ${raiseFdLimit} && exec "$@"`, "_", command, ...args]];
  }
  if (raiseFdLimit === true) {
    const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
    return ["/bin/sh", ["-c", script, "sh", command, ...args]];
  }
  return [command, args];
}

/**
 * The {@link Child} handle of a process already spawned (all but `ready`): keeps the tail of
 * its output from now on (after `printed`, what it wrote before), its exit status, and stops it.
 */
export function watchChild(
  name: string,
  child: ChildProcess,
  options: { group?: boolean | undefined; printed?: string } = {},
): Omit<Child, "ready"> {
  let tail = (options.printed ?? "").slice(-TAIL_CHARS);
  const exitNow = child.signalCode ?? (child.exitCode === null ? null : String(child.exitCode));
  let status: string | null = exitNow;
  const exited =
    status !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          child.once("exit", (code, signal) => {
            status = signal ?? String(code);
            resolve();
          });
        });
  // Keep reading both pipes for the child's whole life: a full pipe would block its writes.
  const onData = (data: Buffer): void => {
    tail = (tail + data.toString()).slice(-TAIL_CHARS);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const pid = child.pid!;
  const group = options.group === true;
  return {
    name,
    pid,
    process: child,
    tail: () => tail,
    exitStatus: () => status,
    exited,
    async stop(graceMs = 5_000) {
      // A group is signalled even when its leader is gone: the server it forked may live on.
      if (status !== null && !group) return;
      const target = group ? -pid : pid;
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
      if (group) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // Swallowed on purpose: the whole group is already gone.
        }
      }
    },
  };
}

export async function startChild(options: ChildOptions): Promise<Child> {
  const stdio: StdioOptions = options.ipc
    ? ["pipe", "pipe", "pipe", "ipc"]
    : ["pipe", "pipe", "pipe"];
  const [command, args] = withFdLimit(options.command, options.args, options.raiseFdLimit);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio,
    detached: options.group === true,
  });
  const watched = watchChild(options.name, child, { group: options.group });
  const ready = await new Promise<string>((resolve, reject) => {
    let pending = "";
    const timeoutMs = options.readyTimeoutMs ?? 180_000;
    const timer = setTimeout(() => {
      reject(new Error(`${options.name} was not ready within ${timeoutMs} ms\n${watched.tail()}`));
    }, timeoutMs);
    const onData = (data: Buffer): void => {
      pending += data.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const m = options.readyPattern.exec(line);
        if (m !== null) {
          clearTimeout(timer);
          child.stdout!.off("data", onData);
          child.stderr!.off("data", onData);
          resolve(m[1] ?? line);
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void watched.exited.then(() => {
      clearTimeout(timer);
      const status = watched.exitStatus();
      reject(
        new Error(`${options.name} exited (${status}) before it was ready\n${watched.tail()}`),
      );
    });
  });
  return { ...watched, ready };
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
