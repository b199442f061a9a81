/**
 * @module process/process
 * A process: one fresh component instance serving one request, from instantiation to its one
 * exit. It is the {@link WasiContext} its host calls see: it parks (JSPI), can be killed while
 * parked, captures stdio, and owns the resources to release when it ends.
 *
 * Whatever the guest or the client does, {@link Process.run} ends: the response is settled
 * (500 before a head, a truncated body after one), every owned resource is released, the
 * registry counts the exit, and the instance is dropped.
 */
import type { Logger } from "../log/index.ts";
import type { ComponentInstance } from "../component/instance.ts";
import type { LoadedComponent } from "../component/load.ts";
import { traceImports, wasiDebugEnabled } from "../wasi/debug.ts";
import { fairResume } from "../wasi/jspi.ts";
import type { HandlerTarget, WebSocketUpgrade } from "../rusm-guest/index.ts";
import { hostImports, type HostContext } from "../catalog/index.ts";
import type { Broker } from "../services/broker/index.ts";
import { Mailbox } from "../lifecycle/mailbox.ts";
import type { ProcessStatus } from "../lifecycle/process-status.ts";
import {
  IncomingRequest,
  ResponseOutparam,
  IGNORE_OUTBOUND,
  policyFor,
  type Disposable,
  type HttpExchange,
  type OutboundAccess,
  type OutboundObserver,
} from "../wasi/index.ts";
import {
  classifyExit,
  ProcessExit,
  ProcessKilled,
  type Exit,
  type Stop,
} from "../lifecycle/exit.ts";
import { threadRunQueue, type RunQueue } from "../lifecycle/run-queue.ts";
import { sharedNow, type KillFlagWriter } from "../preempt/kill-flag.ts";
import { CpuBudgetExceeded, CpuMeter, FuelGauge, threadKillFlag } from "../preempt/runtime.ts";
import type { ProcessRegistry } from "../lifecycle/registry.ts";
import { StdioCapture } from "./stdio.ts";
import { HostMemory } from "../wasi/host-memory.ts";

/**
 * How long a process may run on after its client went away before it is killed. A process that
 * writes to its body learns of the disconnect at its next write, and one waiting on something
 * else is ended at once (`disconnected`); this catches a guest that keeps running without ever
 * waiting, ignoring its failed writes. It counts from the first time the process runs after
 * its client left, not from the departure: after a mass disconnect the wake-ups queue (the run
 * queue paces them), and time a process spends queued is not time it ran on.
 */
export const DISCONNECT_GRACE_MS = 5_000;

/** The stop of a process whose client left while it waited on something its leaving cannot end. */
const CLIENT_GONE: Stop = {
  reason: "disconnected",
  detail: "its client went away while it waited",
};

/** One park of a process: whether its wake-up (or an interruption) is already on its way. */
interface Parking {
  wakePending: boolean;
}

/** `RUSM_DEBUG=wasi`: log every host call (read once at startup). */
const TRACE_WASI = wasiDebugEnabled();

/** The exchange as the process needs it: the WASI view plus how to settle the response. */
export interface ProcessExchange extends HttpExchange {
  /** True once the client went away (disconnect or socket error) before the response ended. */
  readonly clientGone: boolean;
  /** Calls `listener` once when the client goes away. */
  onClientGone(listener: () => void): void;
  /** Answers `status` with a short text body; only before a head was sent. */
  respondError(status: number, message: string): void;
  /** Ends the response body without its terminating chunk if it has not ended. */
  truncateBody(): void;
  /** True once the response head said `text/event-stream`: a live stream, ended first on a drain. */
  readonly eventStream: boolean;
  /**
   * Ends the response body cleanly if it has not ended, from the host's side (a normal return,
   * a drain): what is queued goes out, then the terminating chunk; the guest's next write finds
   * the body closed. A body short of its declared content-length is truncated instead.
   */
  endBody(): void;
  /** Calls `listener` when the response could not be sent as the guest set it (once at most). */
  onFault(listener: (why: string) => void): void;
  /**
   * The server drains: ends a live connection as "going away" (a WebSocket's close 1001);
   * when absent, a drain ends the body as {@link endBody} does.
   */
  goingAway?(): void;
}

export class Process implements HostContext {
  readonly pid: number;
  readonly exchange: ProcessExchange;
  readonly component: LoadedComponent;
  /** Its component's name: the `component` label of its metrics. */
  readonly componentName: string;
  readonly target: HandlerTarget | null;
  readonly upgrade: WebSocketUpgrade | null;
  readonly bodyBufferBytes: number;
  readonly broker: Broker;
  readonly hostMemory: HostMemory;
  #mailbox: Mailbox | undefined;
  readonly #registry: ProcessRegistry;
  readonly #parentLog: Logger;
  #childLog: Logger | undefined;
  readonly #stdout: StdioCapture;
  readonly #stderr: StdioCapture;
  readonly #owned = new Set<Disposable>();
  readonly #memories = new Set<WebAssembly.Memory>();
  /** How the host stopped it (killed, shutdown, client gone while waiting, timeout), or null. */
  #stop: Stop | null = null;
  #cpuExceeded = false;
  /** Its current park, or null while it runs. */
  #parking: Parking | null = null;
  /** Where its starts and wake-ups queue (lifecycle/run-queue). */
  readonly #runQueue: RunQueue = threadRunQueue();
  readonly #cpu: CpuMeter;
  readonly #fuel = new FuelGauge();
  /** The thread's kill flag, for a component with kill-only checks; else null. */
  readonly #killFlag: KillFlagWriter | null;
  #interrupt: ((reason: ProcessKilled) => void) | null = null;
  /** Armed when the process first runs after its client left ({@link DISCONNECT_GRACE_MS}). */
  #graceTimer: NodeJS.Timeout | undefined;
  #ended = false;
  /** When it was made (`performance.now()`): its age on the status page. */
  readonly #bornAt = performance.now();
  readonly #outboundObserver: OutboundObserver;
  #outbound: OutboundAccess | undefined;

  constructor(
    registry: ProcessRegistry,
    component: LoadedComponent,
    exchange: ProcessExchange,
    log: Logger,
    target: HandlerTarget | null,
    broker: Broker,
    outboundObserver: OutboundObserver = IGNORE_OUTBOUND,
    upgrade: WebSocketUpgrade | null = null,
  ) {
    this.#outboundObserver = outboundObserver;
    this.upgrade = upgrade;
    this.#registry = registry;
    this.broker = broker;
    this.pid = registry.nextPid();
    this.component = component;
    this.componentName = component.spec.name;
    this.target = target;
    this.exchange = exchange;
    this.bodyBufferBytes = component.bodyBufferBytes;
    this.hostMemory = new HostMemory(component.limits.maxHostMemoryMb * 1_048_576);
    this.#parentLog = log;
    this.#stdout = new StdioCapture(() => this.#log, "stdout");
    this.#stderr = new StdioCapture(() => this.#log, "stderr");
    this.#cpu = new CpuMeter(component.limits.maxCpuMs);
    this.#killFlag = component.preempt.killChecks ? threadKillFlag().writer : null;
  }

  /** The route that led here, as written in routes.toml (the status page); null: unknown. */
  route: string | null = null;

  /** What it shows of itself on the status page (lifecycle/process-status.ts). */
  status(): ProcessStatus {
    const now = performance.now();
    const request = this.exchange.request;
    return {
      pid: this.pid,
      component: this.component.spec.name,
      route:
        this.route ??
        this.target?.route ??
        `${request.method} ${request.pathWithQuery.split("?")[0]}`,
      parked: this.#parking !== null,
      cpuMs: this.#cpu.used(now),
      ageMs: now - this.#bornAt,
    };
  }

  /** The process runs (its entry, or what it waited on settled): its CPU time counts. */
  #running(): void {
    if (this.#graceTimer === undefined && this.exchange.clientGone) {
      this.#graceTimer = setTimeout(
        () => this.kill("client gone and the process did not exit"),
        DISCONNECT_GRACE_MS,
      );
    }
    const now = performance.now();
    this.#cpu.enter(now);
    this.#killFlag?.running(this.pid, sharedNow() + this.#cpu.remaining(now));
  }

  /** The process stops running (it parks or yields, or it ended). */
  #stopped(): void {
    this.#cpu.leave();
    this.#killFlag?.idle();
  }

  /**
   * What an instrumented guest's check calls when its fuel ran out (preempt/instrument): ends
   * the process when it was killed or is over its CPU budget, yields to the event loop once per
   * slice when it may (`mayYield`: the check ran directly under the promising export), and
   * returns the next fuel.
   */
  #check(mayYield: boolean): number | Promise<number> {
    if (this.#stop !== null) throw new ProcessKilled(this.#stop);
    const now = performance.now();
    if (this.#cpu.remaining(now) <= 0) {
      this.#cpuExceeded = true;
      throw new CpuBudgetExceeded(
        `the process used ${this.#cpu.used(now).toFixed(0)} ms of CPU, over its max-cpu-ms ${this.#cpu.budgetMs}`,
      );
    }
    const fuel = this.#fuel.next(this.#cpu.used(now));
    if (!mayYield) return fuel;
    const yielding = fairResume();
    if (yielding === undefined) return fuel;
    this.#stopped();
    return yielding.then(() => {
      this.#running();
      if (this.#stop !== null) throw new ProcessKilled(this.#stop);
      return fuel;
    });
  }

  /** The `rusm:preempt` imports of this process's instance (catalog/rusm.ts builds them so). */
  preemptImports(): Record<string, unknown> {
    return {
      tick: () => this.#check(false),
      yield: () => this.#check(true),
      ...(this.#killFlag === null ? {} : { flag: threadKillFlag().memory }),
    };
  }

  /** Ends the process for a wall-clock limit: 504 before a head, a truncated body after. */
  #timeout(why: string): void {
    this.stop({ reason: "timeout", detail: why });
  }

  /** This process's logger, made on first use: most processes never log. */
  get #log(): Logger {
    this.#childLog ??= this.#parentLog.child({
      pid: this.pid,
      component: this.component.spec.name,
    });
    return this.#childLog;
  }

  /** What this process may fetch (`allow-outbound`), made on first use: most never fetch. */
  get outbound(): OutboundAccess {
    this.#outbound ??= this.#makeOutbound();
    return this.#outbound;
  }

  #makeOutbound(): OutboundAccess {
    const component = this.component.spec.name;
    const observer = this.#outboundObserver;
    const { allowOutbound, maxOutbound } = this.component.limits;
    return {
      policy: policyFor(allowOutbound),
      maxOpen: maxOutbound,
      denied: (url, why) => {
        this.#log.warn({ url, why }, "outbound request denied");
        observer.denied(component);
      },
      finished: (origin, status, seconds) => observer.finished(component, origin, status, seconds),
    };
  }

  /** This process's mailbox, made on first use (most processes never subscribe). */
  get mailbox(): Mailbox {
    this.#mailbox ??= new Mailbox(this.broker.mailboxSize);
    return this.#mailbox;
  }

  /**
   * Parks until `wait` settles or the process is stopped. The wake-up goes through the thread's
   * run queue: it runs at once unless this turn has already woken its share of processes.
   */
  park<T>(wait: Promise<T>): Promise<T> {
    if (this.#stop !== null) return Promise.reject(new ProcessKilled(this.#stop));
    this.#stopped();
    // Invariant: a process has at most one parked call (JSPI suspends its whole stack).
    const parking: Parking = { wakePending: false };
    this.#parking = parking;
    this.#registry.parked(this.componentName, 1);
    const promise = new Promise<T>((resolve, reject) => {
      const wake = (settle: () => void): void => {
        if (parking.wakePending) return; // the first of settle or interrupt wins
        parking.wakePending = true;
        this.#runQueue.run(() => {
          this.#interrupt = null;
          this.#parking = null;
          this.#registry.parked(this.componentName, -1);
          this.#running();
          settle();
        });
      };
      this.#interrupt = (reason) => wake(() => reject(reason));
      wait.then(
        (value) => wake(() => resolve(value)),
        (err: unknown) => wake(() => reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
    if (this.exchange.clientGone) this.#endWaitIfClientGone(parking);
    return promise;
  }

  /**
   * The client is gone and the process waits in `parking`: one turn from now, if nothing woke
   * it (a body write wakes at once with `closed`, an SSE live tail at once with its end), it
   * waits on something its client's leaving cannot end (a timer, the mailbox, a request body),
   * and is stopped there as `disconnected`.
   */
  #endWaitIfClientGone(parking: Parking): void {
    setImmediate(() => {
      if (this.#parking === parking && !parking.wakePending) this.stop(CLIENT_GONE);
    });
  }

  resume(): Promise<void> | undefined {
    // A stopped process ends at its next blocking call, waiting or not.
    if (this.#stop !== null) return Promise.reject(new ProcessKilled(this.#stop));
    const yielding = fairResume();
    if (yielding === undefined) return undefined;
    this.#stopped();
    return yielding.then(() => this.#running());
  }

  own(resource: Disposable): () => void {
    this.#owned.add(resource);
    return () => this.#owned.delete(resource);
  }

  stdout(bytes: Uint8Array): void {
    this.#stdout.write(bytes);
  }

  stderr(bytes: Uint8Array): void {
    this.#stderr.write(bytes);
  }

  exit(ok: boolean): never {
    throw new ProcessExit(ok);
  }

  /**
   * Ends the process at its current or next blocking call, or at its next preemption check
   * (preempt = "loops" or "calls"). A guest spinning without checks (preempt = "none", or
   * "kill" until its budget) holds its thread until then.
   */
  kill(why: string): void {
    this.stop({ reason: "killed", detail: why });
  }

  /**
   * The server drains: a live stream (text/event-stream) ends now, cleanly, with its
   * terminating chunk (an EventSource reconnects, to another node), a WebSocket with close
   * 1001 (going away), and the process stops as
   * `shutdown`. Returns false, doing nothing, for any other process: it may finish until the
   * drain deadline.
   */
  drain(): boolean {
    if (this.#ended || !this.exchange.eventStream) return false;
    if (this.exchange.goingAway === undefined) this.exchange.endBody();
    else this.exchange.goingAway();
    this.stop({ reason: "shutdown", detail: "the server drained: its stream ended cleanly" });
    return true;
  }

  /**
   * Stops the process from outside, for `stop.reason` (its exit reason), like {@link kill}. The
   * first stop wins; a process that has ended ignores it.
   */
  stop(stop: Stop): void {
    if (this.#ended || this.#stop !== null) return;
    this.#stop = stop;
    this.#interrupt?.(new ProcessKilled(stop));
  }

  /** Runs the process to its exit. Never rejects. */
  async run(): Promise<Exit> {
    this.#registry.started(this);
    const { timeToHeadMs, maxDurationMs } = this.component.limits;
    const headTimer =
      timeToHeadMs === null
        ? undefined
        : setTimeout(() => {
            if (!this.exchange.responded) {
              this.#timeout(`no response head within time-to-head-ms ${timeToHeadMs}`);
            }
          }, timeToHeadMs);
    const durationTimer =
      maxDurationMs === null
        ? undefined
        : setTimeout(
            () => this.#timeout(`still running at max-duration-ms ${maxDurationMs}`),
            maxDurationMs,
          );
    this.exchange.onFault((why) => this.#log.warn({ why }, "response failed"));
    this.exchange.onClientGone(() => {
      // A process that ended already (a truncated body) has nothing to end; one that runs on
      // gets its grace when it next runs (#running).
      if (!this.#ended && this.#parking !== null) this.#endWaitIfClientGone(this.#parking);
    });
    let error: unknown = undefined;
    let instance: ComponentInstance | undefined;
    let instantiating = false;
    try {
      // Its client left while it queued to start (a burst): it never runs.
      if (this.exchange.clientGone) throw new ProcessKilled(CLIENT_GONE);
      // rusm's own interfaces only for components that import them: a plain wasi:http guest
      // pays nothing for them.
      let imports = hostImports(this, {
        rusm: this.component.importsRusmGuest,
        preempt: this.component.preempt.instrumented,
      });
      if (TRACE_WASI) imports = traceImports(imports, this.pid, (line) => this.#log.info(line));
      instantiating = true;
      instance = await this.component.instantiate(imports, (m) => this.#memories.add(m));
      instantiating = false;
      // The guest runs from here (synchronously up to its first wait) until its handle settles.
      this.#running();
      await instance.handler.handle(new IncomingRequest(this), new ResponseOutparam(this));
    } catch (err) {
      error = err ?? new Error("the guest threw a null exception");
      // A kill-only check traps with `unreachable` when the watchdog raised the kill flag.
      if (
        this.#killFlag !== null &&
        err instanceof WebAssembly.RuntimeError &&
        this.#killFlag.consumeKill()
      ) {
        this.#cpuExceeded = true;
      }
    }
    this.#stopped();
    this.#ended = true;
    clearTimeout(this.#graceTimer);
    clearTimeout(headTimer);
    clearTimeout(durationTimer);
    // Ends a wait the process was killed in (and its timer); the broker prunes on the exit below.
    this.#mailbox?.close();
    for (const resource of this.#owned) resource.dispose();
    this.#owned.clear();
    this.#stdout.flush();
    this.#stderr.flush();
    // V8 throws a RangeError when it cannot reserve a new memory or instance.
    const hostOutOfMemory = instantiating && error instanceof RangeError;
    if (error instanceof ProcessKilled) this.#stop ??= error.stop;
    const classified = classifyExit({
      stopped: this.#stop,
      cpuExceeded: this.#cpuExceeded
        ? `used ${this.#cpu.used().toFixed(0)} ms of CPU, over max-cpu-ms ${this.#cpu.budgetMs}`
        : null,
      error,
      clientGone: this.exchange.clientGone,
      memoryBytes: Math.max(0, ...[...this.#memories].map((m) => m.buffer.byteLength)),
      memoryCapBytes: this.component.maxMemoryBytes,
      saidOutOfMemory: /out of memory/i.test(this.#stderr.tail),
      hostOutOfMemory,
      hostMemoryExceeded: this.hostMemory.exceeded,
    });
    const exit: Exit =
      classified.detail === undefined
        ? classified
        : { ...classified, detail: this.component.sourcePositions(classified.detail) };
    this.#settleResponse(exit, hostOutOfMemory);
    // The guest is done (its handle call settled): its memory may serve the next process.
    instance?.release(exit.reason === "normal" || exit.reason === "disconnected");
    this.#memories.clear();
    this.#registry.exited(this, exit);
    this.#logExit(exit);
    return exit;
  }

  #settleResponse(exit: Exit, hostOutOfMemory: boolean): void {
    if (!this.exchange.responded && hostOutOfMemory) {
      this.exchange.respondError(
        503,
        `rusm cannot start another process now: no memory for a new instance (process ${this.pid})\n`,
      );
      return;
    }
    if (!this.exchange.responded && exit.reason === "timeout") {
      this.exchange.respondError(504, `${exit.detail ?? "timed out"} (process ${this.pid})\n`);
      return;
    }
    if (!this.exchange.responded && exit.reason === "shutdown") {
      this.exchange.respondError(
        503,
        `rusm shut down before this request was answered: retry on another node (process ${this.pid})\n`,
      );
      return;
    }
    if (!this.exchange.responded) {
      const why =
        exit.reason === "normal" || exit.reason === "disconnected"
          ? "the component returned without setting a response"
          : `the component ended (${exit.reason}) before responding`;
      this.exchange.respondError(500, `${why} (process ${this.pid})\n`);
      return;
    }
    // A process that returned normally without finishing its body ends it cleanly, as wasmtime
    // serve does; a trap, oom, cpu, timeout or kill ends it without its last chunk.
    if (exit.reason === "normal" || exit.reason === "disconnected") this.exchange.endBody();
    else this.exchange.truncateBody();
  }

  #logExit(exit: Exit): void {
    const fields = { reason: exit.reason, detail: exit.detail };
    if (exit.reason === "normal" || exit.reason === "disconnected") {
      // Checked first: making the child logger costs more than the rest of a small request.
      if (this.#parentLog.isLevelEnabled("debug")) this.#log.debug(fields, "process exited");
    } else if (exit.reason === "shutdown") {
      // A drain ends every process this way: the summary line counts them.
      if (this.#parentLog.isLevelEnabled("debug")) this.#log.debug(fields, "process exited");
    } else {
      this.#log.warn(
        { ...fields, stderr: this.#stderr.tail || undefined },
        "process exited abnormally",
      );
    }
  }
}
