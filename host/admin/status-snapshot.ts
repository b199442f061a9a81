/**
 * @module admin/status-snapshot
 * The status page's data (`GET /status.json`, `GET /status/events`, `rusm ps`): what one server
 * (a worker thread) shows of itself, bounded in size ({@link serverStatus}), and the node's
 * snapshot made of its servers' parts ({@link mergeStatus}). Plain, structured-clonable data.
 */
import type { ProcessStatus } from "../lifecycle/process-status.ts";
import type { ProcessRegistry } from "../lifecycle/registry.ts";
import type { Broker, TopicSubscribers } from "../services/broker/index.ts";

/** The most processes by CPU a part and a snapshot list. */
export const TOP_PROCESSES = 10;
/** The most (component, route) rows and broker topics a part and a snapshot list. */
export const TOP_ROWS = 50;

/** Live processes of one route of one component. */
export interface RouteProcesses {
  readonly component: string;
  readonly route: string;
  readonly parked: number;
  readonly running: number;
}

/** What one server (a worker thread) shows of itself: a few kilobytes whatever its load. */
export interface ServerStatus {
  readonly live: number;
  readonly parked: number;
  /** Live processes by (component, route), the busiest {@link TOP_ROWS}. */
  readonly routes: RouteProcesses[];
  /** The {@link TOP_PROCESSES} live processes that used the most CPU. */
  readonly top: ProcessStatus[];
  /** Broker topics and patterns with subscribers here, the {@link TOP_ROWS} most subscribed. */
  readonly topics: TopicSubscribers[];
  readonly subscriptions: number;
}

/** One exit-reason count per reason over one minute. */
export interface ExitMinute {
  /** The minute's start (ISO 8601). */
  readonly start: string;
  readonly exits: Record<string, number>;
}

/** One worker thread as the supervisor sees it. */
export interface WorkerStatus {
  readonly index: number;
  /** False while it loads (or its replacement does). */
  readonly serving: boolean;
  /** Whether it answered this snapshot's request in time (its processes are then counted). */
  readonly answered: boolean;
  readonly live: number;
  readonly connections: number;
}

/** The node's status, as the page, `/status.json` and `rusm ps` show it. */
export interface StatusSnapshot {
  /** When it was taken (ISO 8601). */
  readonly at: string;
  readonly uptimeSeconds: number;
  readonly processes: { readonly live: number; readonly parked: number; readonly running: number };
  readonly routes: RouteProcesses[];
  /** Exits by reason, one entry per minute of the window, oldest first. */
  readonly exitsByMinute: ExitMinute[];
  /** Exits by reason since the start. */
  readonly exitsTotal: Record<string, number>;
  readonly top: Array<ProcessStatus & { readonly worker: number }>;
  readonly broker: {
    readonly subscriptions: number;
    readonly topics: TopicSubscribers[];
  };
  readonly workers: WorkerStatus[];
  /** Workers the watchdog replaced, by stall signal. */
  readonly watchdogRestarts: Record<string, number>;
}

const byCpu = (a: ProcessStatus, b: ProcessStatus): number => b.cpuMs - a.cpuMs || a.pid - b.pid;
const byLoad = (a: RouteProcesses, b: RouteProcesses): number =>
  b.parked + b.running - (a.parked + a.running) ||
  (`${a.component} ${a.route}` < `${b.component} ${b.route}` ? -1 : 1);

/** The `n` busiest of `all`, busiest first: one pass, no sort of the whole list. */
export function topByCpu<T extends ProcessStatus>(all: readonly T[], n: number): T[] {
  const top: T[] = [];
  for (const p of all) {
    if (top.length === n && byCpu(p, top[n - 1]!) >= 0) continue;
    let i = top.length === n ? n - 1 : top.length;
    while (i > 0 && byCpu(p, top[i - 1]!) < 0) i--;
    top.splice(i, 0, p);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Adds `row` into `rows` by (component, route). */
function addRow(rows: Map<string, RouteProcesses>, row: RouteProcesses): void {
  const key = `${row.component}\u0000${row.route}`;
  const had = rows.get(key);
  rows.set(
    key,
    had === undefined
      ? row
      : { ...had, parked: had.parked + row.parked, running: had.running + row.running },
  );
}

/** What one server shows of itself now: one pass over its live processes, then a sort. */
export function serverStatus(registry: ProcessRegistry, broker: Broker): ServerStatus {
  const statuses = registry.statuses();
  const rows = new Map<string, RouteProcesses>();
  let parked = 0;
  for (const p of statuses) {
    if (p.parked) parked++;
    addRow(rows, {
      component: p.component,
      route: p.route,
      parked: p.parked ? 1 : 0,
      running: p.parked ? 0 : 1,
    });
  }
  return {
    live: statuses.length,
    parked,
    routes: [...rows.values()].sort(byLoad).slice(0, TOP_ROWS),
    top: topByCpu(statuses, TOP_PROCESSES),
    topics: broker.topics(TOP_ROWS),
    subscriptions: broker.subscriptions(),
  };
}

/** What the node adds to its servers' parts. */
export interface NodeFacts {
  readonly startedAt: number;
  readonly exitsByMinute: ExitMinute[];
  readonly exitsTotal: Record<string, number>;
  readonly workers: WorkerStatus[];
  readonly watchdogRestarts: Record<string, number>;
}

/** The node's snapshot from its servers' parts (`worker`: 0 for a server on its own). */
export function mergeStatus(
  parts: ReadonlyArray<{ readonly worker: number; readonly status: ServerStatus }>,
  node: NodeFacts,
  now = Date.now(),
): StatusSnapshot {
  const rows = new Map<string, RouteProcesses>();
  const topics = new Map<string, number>();
  let live = 0;
  let parked = 0;
  let subscriptions = 0;
  const top: Array<ProcessStatus & { worker: number }> = [];
  for (const { worker, status } of parts) {
    live += status.live;
    parked += status.parked;
    subscriptions += status.subscriptions;
    for (const row of status.routes) addRow(rows, row);
    for (const t of status.topics) topics.set(t.topic, (topics.get(t.topic) ?? 0) + t.subscribers);
    for (const p of status.top) top.push({ ...p, worker });
  }
  return {
    at: new Date(now).toISOString(),
    uptimeSeconds: Math.round((now - node.startedAt) / 1000),
    processes: { live, parked, running: live - parked },
    routes: [...rows.values()].sort(byLoad).slice(0, TOP_ROWS),
    exitsByMinute: node.exitsByMinute,
    exitsTotal: node.exitsTotal,
    top: topByCpu(top, TOP_PROCESSES),
    broker: {
      subscriptions,
      topics: [...topics]
        .map(([topic, subscribers]) => ({ topic, subscribers }))
        .sort((a, b) => b.subscribers - a.subscribers || (a.topic < b.topic ? -1 : 1))
        .slice(0, TOP_ROWS),
    },
    workers: node.workers,
    watchdogRestarts: node.watchdogRestarts,
  };
}
