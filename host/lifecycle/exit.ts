/**
 * @module lifecycle/exit
 * How a process ends: exactly one {@link ExitReason}, decided once when it ends.
 *
 * | reason         | when                                                                  |
 * |----------------|-----------------------------------------------------------------------|
 * | `timeout`      | a wall-clock limit ended it: no response head within `time-to-head-ms`|
 * |                | (answered 504), or still running at `max-duration-ms` (504 before a   |
 * |                | head, a truncated body after one)                                     |
 * | `cpu`          | it used its CPU budget (`max-cpu-ms`; parked time does not count): a  |
 * |                | preemption check trapped it (500 before a head, truncated after)      |
 * | `killed`       | the host ended it: its client left and it kept running without        |
 * |                | exiting within the disconnect grace period (it ignores failed writes),|
 * |                | the drain deadline passed on a forced shutdown, or its worker was     |
 * |                | replaced by the watchdog                                              |
 * | `shutdown`     | the server drained (SIGTERM/SIGINT): a live stream ended cleanly, or a|
 * |                | finite request still running at `drain-ms`                            |
 * | `oom`          | it failed with its linear memory within {@link oomMarginBytes} of     |
 * |                | `max-memory-mb`, or it reported "out of memory" on stderr, or the     |
 * |                | host could not allocate its instance (it never ran; answered 503),    |
 * |                | or it asked the host to hold more than `max-host-memory-mb`           |
 * | `trap`         | any other failure: a wasm trap, a host invariant broken by the guest, |
 * |                | an exception out of the handler, `wasi:cli/exit` with an error status  |
 * | `disconnected` | it returned normally after its client went away, or its client went   |
 * |                | away while it waited (a timer, the mailbox, a body read): ended there |
 * | `normal`       | it returned normally (or called `exit(ok)`) with its client connected |
 *
 * OOM is a heuristic: wasm reports a failed `memory.grow` only as -1 to the guest. Rust, C and
 * WAT guests then trap: a trap with memory near the cap is counted `oom`, a single huge
 * allocation that fails far below the cap `trap`. StarlingMonkey does not trap: its engine
 * prints "out of memory" and the handler answers 500, often far below the cap (it grows memory
 * in large steps), so that message on stderr counts as `oom` wherever the memory is (a guest
 * that prints those words itself is counted `oom` too).
 */

export const EXIT_REASONS = [
  "normal",
  "disconnected",
  "trap",
  "oom",
  "killed",
  "timeout",
  "cpu",
  "shutdown",
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/**
 * Why the host stopped a process from outside: the reason its exit then has. `disconnected`
 * ends a process whose client left while it waited; `timeout` a wall-clock limit.
 */
export type StopReason = Extract<ExitReason, "killed" | "shutdown" | "disconnected" | "timeout">;

/** How the host stopped a process: why, and what to log. */
export interface Stop {
  readonly reason: StopReason;
  readonly detail: string;
}

/** How one process ended. */
export interface Exit {
  readonly reason: ExitReason;
  /** What happened, for the log (trap message, kill cause). */
  readonly detail: string | undefined;
}

/** Thrown into a parked process the host stops (killed, shutdown, disconnected, timeout). */
export class ProcessKilled extends Error {
  override readonly name = "ProcessKilled";
  readonly stop: Stop;

  constructor(stop: Stop) {
    super(stop.detail);
    this.stop = stop;
  }
}

/** Thrown by `wasi:cli/exit`: unwinds the guest and ends the process. */
export class ProcessExit extends Error {
  override readonly name = "ProcessExit";
  readonly ok: boolean;

  constructor(ok: boolean) {
    super(ok ? "exit(ok)" : "exit(err)");
    this.ok = ok;
  }
}

/** How close to the cap a failing process's memory must be to count as `oom`. */
export function oomMarginBytes(capBytes: number): number {
  return Math.max(1_048_576, Math.floor(capBytes / 8));
}

/** What the process knows when it ends. */
export interface ExitFacts {
  /** How the host stopped it (killed, shutdown, its client left while it waited, a wall-clock limit), or null. */
  readonly stopped: Stop | null;
  /** How it went over its CPU budget, or null. */
  readonly cpuExceeded?: string | null;
  /** What the handler threw, or undefined when it returned. */
  readonly error: unknown;
  readonly clientGone: boolean;
  /** The largest linear memory the instance had, in bytes (0 when it never instantiated). */
  readonly memoryBytes: number;
  readonly memoryCapBytes: number;
  /** The guest printed an out-of-memory message on stderr (StarlingMonkey does). */
  readonly saidOutOfMemory: boolean;
  /** The host could not allocate the instance (a RangeError from V8 while instantiating). */
  readonly hostOutOfMemory?: boolean;
  /** Why it went over `max-host-memory-mb` (wasi/host-memory.ts), or null. */
  readonly hostMemoryExceeded?: string | null;
}

/**
 * Why V8 refuses a new linear memory once thousands are live: with its default guard regions
 * each memory reserves ~8 GiB of address space, so about 16,000 fit in a process's 128 TiB.
 */
export const HOST_MEMORY_HINT =
  "V8 reserves ~8 GiB of address space per linear memory (about 16,000 live processes); " +
  "NODE_OPTIONS=--disable-wasm-trap-handler lifts that (README, Limits)";

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Decides the one exit reason. */
export function classifyExit(facts: ExitFacts): Exit {
  if (facts.stopped?.reason === "timeout") return facts.stopped;
  if (facts.cpuExceeded != null) return { reason: "cpu", detail: facts.cpuExceeded };
  if (facts.stopped !== null) {
    // A client that left while the process waited: a normal end, nothing to report.
    if (facts.stopped.reason === "disconnected")
      return { reason: "disconnected", detail: undefined };
    return facts.stopped;
  }
  if (facts.hostOutOfMemory === true) {
    return {
      reason: "oom",
      detail: `the host could not allocate the instance (${describe(facts.error)}); ${HOST_MEMORY_HINT}`,
    };
  }
  if (facts.hostMemoryExceeded != null) return { reason: "oom", detail: facts.hostMemoryExceeded };
  const nearCap = facts.memoryBytes >= facts.memoryCapBytes - oomMarginBytes(facts.memoryCapBytes);
  const failed =
    facts.error !== undefined && !(facts.error instanceof ProcessExit && facts.error.ok);
  if ((failed && nearCap) || facts.saidOutOfMemory) {
    return {
      reason: "oom",
      detail: `memory ${facts.memoryBytes} of ${facts.memoryCapBytes} bytes`,
    };
  }
  if (failed) return { reason: "trap", detail: describe(facts.error) };
  if (facts.clientGone) return { reason: "disconnected", detail: undefined };
  return { reason: "normal", detail: undefined };
}
