/**
 * @module workers/thread-cpu
 * The CPU clock of one worker thread, read from another thread (the watchdog's), so that a
 * worker is judged by the CPU time its own thread used, not by wall-clock time, which on a busy
 * machine includes time the OS gave to other processes (and, for a stopped process, time no
 * thread ran at all).
 *
 * Linux: a worker learns its thread id from `/proc/thread-self/stat` (first field) and puts it
 * in its heartbeat slot; the supervisor keeps `/proc/self/task/<tid>/schedstat` open and reads
 * it at offset 0 (a `pread`, ~3 µs; `readFileSync` costs ~22 µs). Its fields are nanoseconds
 * on a CPU, nanoseconds runnable but waiting for a CPU, and time slices; the kernel updates a
 * running thread's figure at each scheduler tick (4 ms with HZ=250), plenty for a watchdog that
 * judges in seconds.
 *
 * Elsewhere (no /proc, or no schedstat: a kernel without CONFIG_SCHED_INFO), the fallback is
 * the whole process's CPU time (`process.cpuUsage()`, every thread): still blind to other
 * processes and to a stopped process, but an upper bound on any one thread's, so with N busy
 * workers a stalled one is judged up to N times too early; and the time spent waiting for a CPU
 * is unknown (0).
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** One reading of a thread's clock, in milliseconds. */
export interface CpuSample {
  /** Time on a CPU. */
  readonly cpuMs: number;
  /** Time runnable but waiting for a CPU (0 when unknown). */
  readonly waitMs: number;
}

/** Which clock a {@link ThreadCpuClock} reads. */
export type CpuClockKind = "thread" | "process";

/** The calling thread's id (Linux), or 0 when /proc does not say. */
export function currentThreadId(): number {
  try {
    const tid = Number.parseInt(readFileSync("/proc/thread-self/stat", "latin1"), 10);
    return Number.isSafeInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    // No /proc (another OS, a sandbox): the watchdog falls back to the process's CPU time.
    return 0;
  }
}

/** The process's CPU time, every thread: the fallback clock. */
function processSample(): CpuSample {
  const usage = process.cpuUsage();
  return { cpuMs: (usage.user + usage.system) / 1_000, waitMs: 0 };
}

/**
 * Reads the CPU clock of thread `tid` of this process (0: the process's, see the module).
 * {@link close} releases its file descriptor.
 */
export class ThreadCpuClock {
  readonly #buffer = Buffer.alloc(128);
  #fd: number | null = null;
  #kind: CpuClockKind = "process";

  constructor(tid: number) {
    if (tid <= 0) return;
    try {
      this.#fd = openSync(`/proc/self/task/${tid}/schedstat`, "r");
      this.#kind = "thread";
      if (this.#readThread() === null) this.close();
    } catch {
      // Not there (no schedstat): the fallback clock, which {@link kind} reports.
      this.close();
    }
  }

  get kind(): CpuClockKind {
    return this.#kind;
  }

  /** Now; null once the thread has ended (its task entry is gone). */
  read(): CpuSample | null {
    return this.#kind === "thread" ? this.#readThread() : processSample();
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    this.#kind = "process";
  }

  #readThread(): CpuSample | null {
    if (this.#fd === null) return null;
    let text: string;
    try {
      const n = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0);
      text = this.#buffer.toString("latin1", 0, n);
    } catch {
      // ESRCH: the thread has ended.
      return null;
    }
    const [onCpu, waiting] = text.split(" ");
    const cpuNs = Number(onCpu);
    const waitNs = Number(waiting);
    if (!Number.isFinite(cpuNs) || !Number.isFinite(waitNs)) return null;
    return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 };
  }
}
