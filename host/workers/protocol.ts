/**
 * @module workers/protocol
 * The messages between the supervisor (main thread) and its worker threads, over each
 * worker's own port (`worker.postMessage` / `parentPort`). Every message is a plain,
 * structured-clonable object with a `type`.
 */
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { Config } from "../config/index.ts";
import type { RusmErrorCode, SourceLocation } from "../errors.ts";
import type { ServerStatus } from "../admin/status-snapshot.ts";

/** What the supervisor hands a worker at its start (`workerData`). */
export interface WorkerData {
  /** 1-based, stable across a replacement: the `worker` field of its log lines. */
  readonly index: number;
  /** The config, with the real port (port 0 resolved) and `--listen` applied. */
  readonly config: Config;
  readonly cacheDir: string;
  /** Whether this worker prints the load progress lines (only the first one does). */
  readonly progress: boolean;
  /** Other workers serving the same port: 0 keeps a guest's publish synchronous. */
  readonly peers: number;
  /** The watchdog's slot of this worker (workers/heartbeat.ts). */
  readonly heartbeat: SharedArrayBuffer;
  /** The preemption kill flag of this worker (preempt/kill-flag.ts). */
  readonly killFlag: WebAssembly.Memory;
  /** The node's process-id counter, shared by every worker: a pid names one process node-wide. */
  readonly pids: SharedArrayBuffer;
  /** This worker's starts and exits, which the supervisor reads (workers/exit-tally.ts). */
  readonly tally: SharedArrayBuffer;
}

/** A RusmError, or another error as its stack, across threads. */
export interface WireError {
  readonly code: RusmErrorCode | null;
  readonly message: string;
  readonly where?: SourceLocation | undefined;
  readonly hint?: string | undefined;
  readonly stack?: string | undefined;
}

/** A worker's metrics as prom-client's `getMetricsAsJSON()` gives them. */
export type MetricsJson = Array<MetricObjectWithValues<MetricValue<string>>>;

/** Worker → supervisor. */
export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly error: WireError }
  /** A publish on this worker: deliver to the others (and forward to Redis). */
  | {
      readonly type: "publish";
      /** null: no count wanted (fire and forget). */
      readonly id: number | null;
      readonly topic: string;
      readonly data: string;
    }
  | { readonly type: "watch" | "unwatch"; readonly key: string }
  /** The answer to a `deliver` with an id: subscribers reached on this worker. */
  | { readonly type: "delivered"; readonly id: number; readonly delivered: number }
  | { readonly type: "metrics"; readonly id: number; readonly metrics: MetricsJson }
  /** The answer to a `status`: this worker's part of the status page (bounded in size). */
  | { readonly type: "status"; readonly id: number; readonly status: ServerStatus }
  /** The answer to a `swap`: what it loaded and removed, or why nothing changed. */
  | {
      readonly type: "swapped";
      readonly id: number;
      readonly loaded: readonly string[];
      readonly removed: readonly string[];
    }
  | { readonly type: "swap-failed"; readonly id: number; readonly error: WireError }
  | {
      readonly type: "closed";
      readonly exits: Record<string, number>;
      /** Processes still live after the drain and its grace. */
      readonly live: number;
      /** Live streams the drain ended cleanly at its start. */
      readonly streamsEnded: number;
      /** Processes still running at the drain deadline (stopped then). */
      readonly stoppedAtDeadline: number;
    };

/** Supervisor → worker. */
export type ToWorker =
  /** Deliver to this worker's subscribers; with an id, answer `delivered`. */
  | {
      readonly type: "deliver";
      readonly id: number | null;
      readonly topic: string;
      readonly data: string;
    }
  /** The answer to a `publish` with an id: subscribers reached on the other workers. */
  | { readonly type: "published"; readonly id: number; readonly delivered: number }
  | { readonly type: "metrics"; readonly id: number }
  /** Answer `status` with this worker's part of the status page (admin/status-snapshot.ts). */
  | { readonly type: "status"; readonly id: number }
  /**
   * Serve `config`'s components and routes (`rusm dev`): load those named in `reload` and any
   * new one, then swap them in at once (server/index.ts `swap`); answer `swapped` or
   * `swap-failed` (then nothing changed on this worker).
   */
  | {
      readonly type: "swap";
      readonly id: number;
      readonly config: Config;
      readonly reload: readonly string[];
    }
  /** Drain (server/index.ts `close`) for up to `drainMs`, then answer `closed`. */
  | { readonly type: "close"; readonly drainMs: number };
