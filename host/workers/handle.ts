/**
 * @module workers/handle
 * The supervisor's handle on one worker thread: starts it, routes its messages (hub traffic to
 * the hub, answers to whoever asked), and asks it for metrics, its status, to swap components,
 * or to close.
 */
import { Worker } from "node:worker_threads";
import { RusmError } from "../errors.ts";
import type { Config } from "../config/index.ts";
import { STOP_GRACE_MS, type Swapped } from "../server/index.ts";
import { createKillFlag } from "../preempt/kill-flag.ts";
import { createExitTally, ExitTallyReader } from "./exit-tally.ts";
import { createHeartbeat, HeartbeatReader } from "./heartbeat.ts";
import type { Hub } from "./hub.ts";
import type { ServerStatus } from "../admin/status-snapshot.ts";
import type { FromWorker, MetricsJson, ToWorker, WireError, WorkerData } from "./protocol.ts";

/** worker.ts, or worker.js when rusm runs compiled (installed from its package). */
const ENTRY = new URL(
  `./worker${import.meta.url.endsWith(".js") ? ".js" : ".ts"}`,
  import.meta.url,
);

/** What a worker said when it closed (its drain, server/index.ts). */
export interface Closed {
  readonly exits: Record<string, number>;
  /** Processes that would not stop even after the drain's grace. */
  readonly live: number;
  /** Live streams ended cleanly at the drain's start. */
  readonly streamsEnded: number;
  /** Processes still running at the drain deadline, stopped then. */
  readonly stoppedAtDeadline: number;
}

/** The error a worker sent, as the supervisor throws it (a RusmError prints as before). */
export function fromWire(wire: WireError): Error {
  if (wire.code !== null) {
    return new RusmError(wire.code, wire.message, { where: wire.where, hint: wire.hint });
  }
  const error = new Error(wire.message);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

export class WorkerHandle {
  readonly index: number;
  readonly killFlag = createKillFlag();
  readonly #slot = createHeartbeat();
  readonly heartbeat: HeartbeatReader;
  readonly #tallySlot: SharedArrayBuffer;
  /** Its starts and exits, readable after the thread is gone (workers/exit-tally.ts). */
  readonly tally: ExitTallyReader;
  readonly #worker: Worker;
  readonly #hub: Hub;
  /** Resolves once listening; rejects with its load error, or if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves with its exit code once the thread has ended. */
  readonly exited: Promise<number>;
  #nextId = 1;
  readonly #scrapes = new Map<number, (metrics: MetricsJson) => void>();
  readonly #statusAsks = new Map<number, (status: ServerStatus) => void>();
  readonly #swaps = new Map<number, (answer: Swapped | Error) => void>();
  #onClosed: ((closed: Closed) => void) | null = null;

  constructor(
    index: number,
    data: Omit<WorkerData, "index" | "heartbeat" | "killFlag" | "tally">,
    hub: Hub,
  ) {
    this.index = index;
    this.#hub = hub;
    const components = [...data.config.components.keys()];
    this.#tallySlot = createExitTally(components);
    this.tally = new ExitTallyReader(this.#tallySlot, components);
    this.heartbeat = new HeartbeatReader(this.#slot);
    this.#worker = new Worker(ENTRY, {
      workerData: {
        ...data,
        index,
        heartbeat: this.#slot,
        killFlag: this.killFlag,
        tally: this.#tallySlot,
      },
    });
    this.exited = new Promise((done) => this.#worker.once("exit", done));
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        if (message.type === "ready") resolve();
        else if (message.type === "failed") reject(fromWire(message.error));
        else return;
        this.#worker.off("message", onMessage);
      };
      this.#worker.on("message", onMessage);
      this.#worker.once("error", reject);
      void this.exited.then((code) =>
        reject(new Error(`worker ${index} exited (${code}) before it listened`)),
      );
    });
    this.#worker.on("message", (message: FromWorker) => this.#receive(message));
    // An uncaught error ends the thread; the supervisor sees it exit (and keeps the error).
    this.#worker.on("error", (err: Error) => {
      this.error = err;
    });
  }

  /** True once it listens (set by the supervisor). */
  serving = false;

  /** The uncaught error that ended the thread, if one did. */
  error: Error | null = null;

  /** Posts a message to the worker (dropped silently once it ended). */
  post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  /** Its metrics now, or null when it does not answer within `timeoutMs`. */
  metrics(timeoutMs: number): Promise<MetricsJson | null> {
    const id = this.#nextId++;
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.#scrapes.delete(id);
        done(null);
      }, timeoutMs);
      this.#scrapes.set(id, (metrics) => {
        clearTimeout(timer);
        done(metrics);
      });
      // A thread that ends (replaced) will not answer.
      void this.exited.then(() => done(null));
      this.post({ type: "metrics", id });
    });
  }

  /** Its part of the status page now, or null when it does not answer within `timeoutMs`. */
  status(timeoutMs: number): Promise<ServerStatus | null> {
    const id = this.#nextId++;
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.#statusAsks.delete(id);
        done(null);
      }, timeoutMs);
      this.#statusAsks.set(id, (status) => {
        clearTimeout(timer);
        done(status);
      });
      void this.exited.then(() => done(null));
      this.post({ type: "status", id });
    });
  }

  /**
   * Asks it to serve `config`'s components and routes, loading those in `reload` (`rusm dev`);
   * resolves with what it did, rejects with its load error (nothing changed on it then) or when
   * the thread ends first.
   */
  swap(config: Config, reload: ReadonlySet<string>): Promise<Swapped> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const settle = (answer: Swapped | Error): void => {
        this.#swaps.delete(id);
        if (answer instanceof Error) reject(answer);
        else resolve(answer);
      };
      this.#swaps.set(id, settle);
      void this.exited.then(() =>
        settle(new Error(`worker ${this.index} ended before it swapped`)),
      );
      this.post({ type: "swap", id, config, reload: [...reload] });
    });
  }

  /**
   * Asks it to drain for up to `drainMs` and close, and resolves with what it says; null when it
   * did not answer in time (it is then terminated).
   */
  async close(drainMs: number): Promise<Closed | null> {
    const closed = new Promise<Closed | null>((done) => {
      this.#onClosed = done;
      void this.exited.then(() => done(null));
      // The drain, the stopped processes' grace, and time to close connections and answer.
      setTimeout(() => done(null), drainMs + STOP_GRACE_MS + 3_000).unref();
    });
    this.post({ type: "close", drainMs });
    const answer = await closed;
    await this.terminate();
    return answer;
  }

  /** Stops the thread now, whatever it is doing (a spinning guest included, in ~5 ms). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case "publish":
        this.#hub.fromWorker(this.index, message.id, message.topic, message.data);
        break;
      case "watch":
        this.#hub.watch(this.index, message.key);
        break;
      case "unwatch":
        this.#hub.unwatch(this.index, message.key);
        break;
      case "delivered":
        this.#hub.delivered(this.index, message.id, message.delivered);
        break;
      case "metrics":
        this.#scrapes.get(message.id)?.(message.metrics);
        this.#scrapes.delete(message.id);
        break;
      case "status":
        this.#statusAsks.get(message.id)?.(message.status);
        this.#statusAsks.delete(message.id);
        break;
      case "swapped":
        this.#swaps.get(message.id)?.({ loaded: message.loaded, removed: message.removed });
        break;
      case "swap-failed":
        this.#swaps.get(message.id)?.(fromWire(message.error));
        break;
      case "closed":
        this.#onClosed?.({
          exits: message.exits,
          live: message.live,
          streamsEnded: message.streamsEnded,
          stoppedAtDeadline: message.stoppedAtDeadline,
        });
        break;
      case "ready":
      case "failed":
        break;
    }
  }
}
