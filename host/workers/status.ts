/**
 * @module workers/status
 * The status page's snapshot for a node of worker threads: the supervisor asks every serving
 * worker for its part over the worker protocol (`status`, answered by admin/status-snapshot.ts
 * `serverStatus`: one pass over its processes, a bounded answer), waits at most
 * {@link STATUS_TIMEOUT_MS} for each, and merges them with what it knows itself (its workers,
 * the exits from their tallies, the watchdog's restarts). A worker that does not answer in time
 * is listed as such, its processes left out of that snapshot.
 */
import {
  mergeStatus,
  type NodeFacts,
  type ServerStatus,
  type StatusSnapshot,
} from "../admin/status-snapshot.ts";
import type { WorkerHandle } from "./handle.ts";

/** How long a snapshot waits for a worker's part. */
export const STATUS_TIMEOUT_MS = 500;

/** The node's snapshot from `handles` (every worker, serving or not) and `facts`. */
export async function nodeStatus(
  handles: readonly WorkerHandle[],
  facts: Omit<NodeFacts, "workers">,
): Promise<StatusSnapshot> {
  const answers: Array<ServerStatus | null> = await Promise.all(
    handles.map((h) => (h.serving ? h.status(STATUS_TIMEOUT_MS) : Promise.resolve(null))),
  );
  const parts = [];
  const workers = [];
  for (const [i, handle] of handles.entries()) {
    const answer = answers[i] ?? null;
    if (answer !== null) parts.push({ worker: handle.index, status: answer });
    workers.push({
      index: handle.index,
      serving: handle.serving,
      answered: answer !== null,
      live: answer?.live ?? handle.heartbeat.processes,
      connections: handle.heartbeat.connections,
    });
  }
  workers.sort((a, b) => a.index - b.index);
  return mergeStatus(parts, { ...facts, workers });
}
