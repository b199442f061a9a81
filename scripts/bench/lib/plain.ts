/**
 * @module scripts/bench/lib/plain
 * Starts the baseline server (plain-server.ts) as its own process, and asks it how many SSE
 * streams and fan-out subscribers it holds.
 */
import { join } from "node:path";
import { startChild, type Child } from "./child.ts";
import { NODE } from "./paths.ts";

export interface PlainStats {
  /** Open SSE responses. */
  streams: number;
  /** SSE responses waiting for `drain` (back-pressured: the baseline's parked streams). */
  waiting: number;
  /** SSE bytes written so far. */
  bytes: number;
  /** Bytes the open SSE responses' sockets still hold (`writableLength`). */
  buffered: number;
  /** Open `/tail/<topic>` subscribers (plain-fanout.ts). */
  subscribers: number;
  /** Fan-out messages dropped from a subscriber's full mailbox. */
  dropped: number;
}

export interface PlainServer {
  readonly url: string;
  readonly child: Child;
  stats(): Promise<PlainStats>;
  stop(): Promise<void>;
}

/** `raiseFdLimit`: the hard fd limit, or this many fds (child.ts). */
export async function startPlain(
  options: { raiseFdLimit?: boolean | number } = {},
): Promise<PlainServer> {
  const child = await startChild({
    name: "plain node:http server",
    command: NODE,
    args: [join(import.meta.dirname, "plain-server.ts")],
    readyPattern: /plain listening on (http:\/\/\S+)/,
    raiseFdLimit: options.raiseFdLimit,
    ipc: true,
  });
  return {
    url: child.ready,
    child,
    stats() {
      return new Promise<PlainStats>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("plain server: no stats in 30 s")), 30_000);
        child.process.once("message", (message) => {
          clearTimeout(timer);
          resolve(message as PlainStats);
        });
        child.process.send("stats");
      });
    },
    stop: () => child.stop(),
  };
}
