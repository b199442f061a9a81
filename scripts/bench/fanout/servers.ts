/**
 * @module scripts/bench/fanout/servers
 * The two fan-out servers, each its own process, seen the same way by the bench:
 *
 * - **rusm**: `rusm serve` with `GET /tail/:topic` → `live-tail.wasm`, one process per
 *   subscriber, subscribed to the broker; messages published with the admin listener's
 *   `POST /publish/<topic>`; counts from its /metrics.
 * - **plain**: plain-server.ts's `GET /tail/<topic>` and `POST /publish/<topic>` (plain-fanout.ts)
 *   on one node:http server; counts from its IPC stats.
 */
import type { Child } from "../lib/child.ts";
import { guestPath } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { startRusm } from "../lib/rusm.ts";
import { MAILBOX } from "../lib/plain-fanout.ts";

export interface FanoutServer {
  readonly name: "plain" | "rusm";
  readonly child: Child;
  /** Where subscribers connect: `GET <url>/tail/<topic>`. */
  readonly url: string;
  /** Where the publisher posts: `POST <publishUrl>/publish/<topic>`. */
  readonly publishUrl: string;
  /** Subscriptions now, all topics. */
  subscriptions(): Promise<number>;
  /** Messages dropped from full mailboxes so far (any reason). */
  dropped(): Promise<number>;
  /** What the subscribers still hold: rusm's live processes, plain's open subscribers. */
  live(): Promise<number>;
  /** Subscriber processes that ended other than `disconnected` (rusm; 0 for plain). */
  abnormalExits(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPlainFanout(): Promise<FanoutServer> {
  const plain = await startPlain({ raiseFdLimit: true });
  return {
    name: "plain",
    child: plain.child,
    url: plain.url,
    publishUrl: plain.url,
    subscriptions: async () => (await plain.stats()).subscribers,
    dropped: async () => (await plain.stats()).dropped,
    live: async () => (await plain.stats()).subscribers,
    abnormalExits: () => Promise.resolve(0),
    stop: () => plain.stop(),
  };
}

export async function startRusmFanout(): Promise<FanoutServer> {
  const rusm = await startRusm({
    components: { tail: guestPath("live-tail") },
    routes: { "GET /tail/:topic": "tail" },
    // rusm's defaults, written out: the baseline queues as many per subscriber.
    broker: { mailbox: MAILBOX, overflow: "drop-oldest" },
    raiseFdLimit: true,
  });
  return {
    name: "rusm",
    child: rusm.child,
    url: rusm.url,
    publishUrl: rusm.adminUrl,
    subscriptions: () => rusm.metric("rusm_broker_subscriptions"),
    dropped: () => rusm.metric("rusm_broker_dropped_total"),
    live: () => rusm.metric("rusm_processes"),
    async abnormalExits() {
      const [all, disconnected] = await Promise.all([
        rusm.metric("rusm_process_exits_total"),
        rusm.metric("rusm_process_exits_total", { reason: "disconnected" }),
      ]);
      return all - disconnected;
    },
    stop: () => rusm.stop(),
  };
}
