/**
 * @module lifecycle/process
 * A process: one fresh component instance serving one request, from instantiation to its one
 * exit. It is the {@link WasiContext} its host calls see: it parks (JSPI), can be killed while
 * parked, captures stdio, and owns the resources to release when it ends.
 *
 * Whatever the guest or the client does, {@link Process.run} ends: the response is settled
 * (500 before a head, a truncated body after one), every owned resource is released, the
 * registry counts the exit, and the instance is dropped.
 */
import type { Logger } from "../log/index.ts";
import type { ComponentInstance, LoadedComponent } from "../component/load.ts";
import { traceImports, wasiDebugEnabled } from "../wasi/debug.ts";
import { fairResume } from "../wasi/jspi.ts";
import { addRusmGuestImports, type GuestContext, type HandlerTarget } from "../rusm-guest/index.ts";
import { addRusmPubSubImports } from "../rusm-pubsub/index.ts";
import type { Broker } from "../services/broker/index.ts";
import { Mailbox } from "./mailbox.ts";
import {
  IncomingRequest,
  ResponseOutparam,
  createImports,
  type Disposable,
  type HttpExchange,
} from "../wasi/index.ts";
import { classifyExit, ProcessExit, ProcessKilled, type Exit } from "./exit.ts";
import type { ProcessRegistry } from "./registry.ts";
import { StdioCapture } from "./stdio.ts";

/**
 * How long a process may run on after its client went away before it is killed. A process that
 * writes to its body learns of the disconnect at its next write; this catches the ones waiting
 * on something else.
 */
export const DISCONNECT_GRACE_MS = 5_000;

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
}

export class Process implements GuestContext {
  readonly pid: number;
  readonly exchange: ProcessExchange;
  readonly component: LoadedComponent;
  readonly target: HandlerTarget | null;
  readonly bodyBufferBytes: number;
  readonly broker: Broker;
  #mailbox: Mailbox | undefined;
  readonly #registry: ProcessRegistry;
  readonly #parentLog: Logger;
  #childLog: Logger | undefined;
  readonly #stdout: StdioCapture;
  readonly #stderr: StdioCapture;
  readonly #owned = new Set<Disposable>();
  readonly #memories = new Set<WebAssembly.Memory>();
  #killed: string | null = null;
  #interrupt: ((reason: ProcessKilled) => void) | null = null;
  #ended = false;

  constructor(
    registry: ProcessRegistry,
    component: LoadedComponent,
    exchange: ProcessExchange,
    log: Logger,
    target: HandlerTarget | null,
    broker: Broker,
  ) {
    this.#registry = registry;
    this.broker = broker;
    this.pid = registry.nextPid();
    this.component = component;
    this.target = target;
    this.exchange = exchange;
    this.bodyBufferBytes = component.bodyBufferBytes;
    this.#parentLog = log;
    this.#stdout = new StdioCapture(() => this.#log, "stdout");
    this.#stderr = new StdioCapture(() => this.#log, "stderr");
  }

  /** This process's logger, made on first use: most processes never log. */
  get #log(): Logger {
    this.#childLog ??= this.#parentLog.child({
      pid: this.pid,
      component: this.component.spec.name,
    });
    return this.#childLog;
  }

  /** This process's mailbox, made on first use (most processes never subscribe). */
  get mailbox(): Mailbox {
    this.#mailbox ??= new Mailbox(this.broker.mailboxSize);
    return this.#mailbox;
  }

  park<T>(wait: Promise<T>): Promise<T> {
    if (this.#killed !== null) return Promise.reject(new ProcessKilled(this.#killed));
    return new Promise<T>((resolve, reject) => {
      // Invariant: a process has at most one parked call (JSPI suspends its whole stack).
      const interrupt = (reason: ProcessKilled): void => {
        this.#interrupt = null;
        this.#registry.parked(-1);
        reject(reason);
      };
      this.#interrupt = interrupt;
      this.#registry.parked(1);
      const settle = (): boolean => {
        if (this.#interrupt !== interrupt) return false; // killed meanwhile: already rejected
        this.#interrupt = null;
        this.#registry.parked(-1);
        return true;
      };
      wait.then(
        (value) => settle() && resolve(value),
        (err: unknown) => settle() && reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  resume(): Promise<void> | undefined {
    // A killed process ends at its next blocking call, waiting or not.
    if (this.#killed !== null) return Promise.reject(new ProcessKilled(this.#killed));
    return fairResume();
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
   * Ends the process at its current or next blocking call. Guest code running between host
   * calls is not interrupted (a guest spinning in pure wasm holds the thread).
   */
  kill(why: string): void {
    if (this.#ended || this.#killed !== null) return;
    this.#killed = why;
    this.#interrupt?.(new ProcessKilled(why));
  }

  /** Runs the process to its exit. Never rejects. */
  async run(): Promise<Exit> {
    this.#registry.started(this);
    let graceTimer: NodeJS.Timeout | undefined;
    this.exchange.onClientGone(() => {
      // A client that leaves after the process ended (a truncated body) needs no timer.
      if (this.#ended) return;
      graceTimer = setTimeout(
        () => this.kill("client gone and the process did not exit"),
        DISCONNECT_GRACE_MS,
      );
    });
    let error: unknown = undefined;
    let instance: ComponentInstance | undefined;
    let instantiating = false;
    try {
      let imports = createImports(this);
      // Only for components that import them: a plain wasi:http guest pays nothing.
      if (this.component.importsRusmGuest) {
        addRusmGuestImports(imports, this);
        addRusmPubSubImports(imports, this);
      }
      if (TRACE_WASI) imports = traceImports(imports, this.pid, (line) => this.#log.info(line));
      instantiating = true;
      instance = await this.component.instantiate(imports, (m) => this.#memories.add(m));
      instantiating = false;
      await instance.handler.handle(new IncomingRequest(this), new ResponseOutparam(this));
    } catch (err) {
      error = err ?? new Error("the guest threw a null exception");
    }
    this.#ended = true;
    clearTimeout(graceTimer);
    // Ends a wait the process was killed in (and its timer); the broker prunes on the exit below.
    this.#mailbox?.close();
    for (const resource of this.#owned) resource.dispose();
    this.#owned.clear();
    this.#stdout.flush();
    this.#stderr.flush();
    // V8 throws a RangeError when it cannot reserve a new memory or instance.
    const hostOutOfMemory = instantiating && error instanceof RangeError;
    const classified = classifyExit({
      killed: this.#killed,
      error,
      clientGone: this.exchange.clientGone,
      memoryBytes: Math.max(0, ...[...this.#memories].map((m) => m.buffer.byteLength)),
      memoryCapBytes: this.component.maxMemoryBytes,
      saidOutOfMemory: /out of memory/i.test(this.#stderr.tail),
      hostOutOfMemory,
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
    if (!this.exchange.responded) {
      const why =
        exit.reason === "normal" || exit.reason === "disconnected"
          ? "the component returned without setting a response"
          : `the component ended (${exit.reason}) before responding`;
      this.exchange.respondError(500, `${why} (process ${this.pid})\n`);
      return;
    }
    // A body the guest did not finish (trap, unfinished, killed) ends without its last chunk.
    this.exchange.truncateBody();
  }

  #logExit(exit: Exit): void {
    const fields = { reason: exit.reason, detail: exit.detail };
    if (exit.reason === "normal" || exit.reason === "disconnected") {
      // Checked first: making the child logger costs more than the rest of a small request.
      if (this.#parentLog.isLevelEnabled("debug")) this.#log.debug(fields, "process exited");
    } else {
      this.#log.warn(
        { ...fields, stderr: this.#stderr.tail || undefined },
        "process exited abnormally",
      );
    }
  }
}
