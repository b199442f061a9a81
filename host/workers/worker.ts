/**
 * @module workers/worker
 * A worker thread's entry: one single-thread server (server/index.ts) on the shared public
 * port (`SO_REUSEPORT`), with its own processes, metrics registry and broker; the broker's
 * backend is the supervisor's hub. It beats the watchdog's heartbeat, answers the supervisor's
 * scrapes and status requests, swaps in new component versions when asked (`rusm dev`), and closes when asked (kill processes, grace, reclaim), answering its exit counts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { RusmError } from "../errors.ts";
import { createLogger } from "../log/index.ts";
import { installKillFlag } from "../preempt/runtime.ts";
import { startServer, type RunningServer } from "../server/index.ts";
import { serverStatus } from "../admin/status-snapshot.ts";
import { ExitTallyWriter } from "./exit-tally.ts";
import { HeartbeatWriter } from "./heartbeat.ts";
import { HubLink } from "./hub-link.ts";
import { currentThreadId } from "./thread-cpu.ts";
import type { FromWorker, ToWorker, WireError, WorkerData } from "./protocol.ts";

/** An error as it crosses to the supervisor. */
export function toWire(err: unknown): WireError {
  if (err instanceof RusmError) {
    return { code: err.code, message: err.message, where: err.where, hint: err.hint };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return { code: null, message: error.message, stack: error.stack };
}

async function run(port: NonNullable<typeof parentPort>, data: WorkerData): Promise<void> {
  const post = (message: FromWorker): void => port.postMessage(message);
  installKillFlag(data.killFlag);
  const log = createLogger().child({ worker: data.index });
  const heartbeat = new HeartbeatWriter(data.heartbeat, currentThreadId());
  const hub = new HubLink(post, data.peers);
  let server: RunningServer;
  try {
    server = await startServer(data.config, {
      cacheDir: data.cacheDir,
      log,
      progress: data.progress ? (line) => process.stderr.write(`rusm: ${line}\n`) : undefined,
      reusePort: true,
      admin: false,
      brokerBackend: hub,
      defaultMetrics: false,
      onLoad: (load) => heartbeat.load(load.connections, load.processes),
      pids: data.pids,
      tally: new ExitTallyWriter(data.tally, [...data.config.components.keys()]),
    });
  } catch (err) {
    post({ type: "failed", error: toWire(err) });
    return;
  }
  hub.attach(server.broker);
  heartbeat.start();
  port.on("message", (message: ToWorker) => {
    if (hub.receive(message)) return;
    if (message.type === "metrics") {
      void server.metrics.registry
        .getMetricsAsJSON()
        .then((metrics) => post({ type: "metrics", id: message.id, metrics }));
    } else if (message.type === "status") {
      // One pass over its live processes and a sort, bounded output (admin/status-snapshot.ts).
      post({
        type: "status",
        id: message.id,
        status: serverStatus(server.registry, server.broker),
      });
    } else if (message.type === "swap") {
      server.swap(message.config, new Set(message.reload)).then(
        (swapped) => post({ type: "swapped", id: message.id, ...swapped }),
        (err: unknown) => post({ type: "swap-failed", id: message.id, error: toWire(err) }),
      );
    } else if (message.type === "close") {
      void server.close(message.drainMs).then((drained) => {
        heartbeat.stop();
        post({
          type: "closed",
          exits: Object.fromEntries(server.registry.exits()),
          live: drained.live,
          streamsEnded: drained.streamsEnded,
          stoppedAtDeadline: drained.stoppedAtDeadline,
        });
        port.close();
      });
    }
  });
  post({ type: "ready" });
}

if (parentPort !== null) void run(parentPort, workerData as WorkerData);
