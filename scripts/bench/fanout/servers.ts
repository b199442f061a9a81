/**
 * @module scripts/bench/fanout/servers
 * The two fan-out servers, each its own process, seen the same way by the bench:
 *
 * - **rusm**: `rusm serve` with `GET /tail/:topic` → `live-tail.wasm`, one process per
 *   subscriber, subscribed to the broker; messages published with the admin listener's
 *   `POST /publish/<topic>`; counts from its /metrics.
 * - **plain**: plain-server.ts's `GET /tail/<topic>` and `POST /publish/<topic>` (plain-fanout.ts)
 *   on one node:http server; counts from its IPC stats.
 *
 * {@link ServerOptions} (the parked bench): a hello route on `GET /` beside the tails (rusm:
 * `http-hello`; plain-server.ts always has it), and the fd limit to start with.
 */
import { EXIT_REASONS, type ExitReason } from "../../../host/lifecycle/exit.ts";
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
  /**
   * Subscribers waiting for a message: rusm's parked processes (JSPI-suspended in the mailbox),
   * plain's open subscribers (an idle response is all the baseline holds).
   */
  parked(): Promise<number>;
  /**
   * Subscriber processes that ended other than `disconnected`, by reason (rusm; none for plain);
   * with the hello route, hello's `normal` exits are not counted.
   */
  abnormalExits(): Promise<Partial<Record<ExitReason, number>>>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Also serve `GET /` with `http-hello` (rusm). */
  hello?: boolean;
  /** The fd limit (child.ts `raiseFdLimit`); the hard limit by default. */
  fdLimit?: true | number;
  /** Node options for rusm (parked: `--disable-wasm-trap-handler` past ~16,000 processes). */
  nodeArgs?: readonly string[];
  /**
   * The guest serving `GET /tail/:topic` (rusm): a component's path and the route's target
   * (`tail`, or `tail#<module>.<function>`-style for a handler module); `live-tail` by default.
   */
  tail?: { path: string; target: string; maxMemoryMb?: number };
}

export async function startPlainFanout(options: ServerOptions = {}): Promise<FanoutServer> {
  const plain = await startPlain({ raiseFdLimit: options.fdLimit ?? true });
  return {
    name: "plain",
    child: plain.child,
    url: plain.url,
    publishUrl: plain.url,
    subscriptions: async () => (await plain.stats()).subscribers,
    dropped: async () => (await plain.stats()).dropped,
    live: async () => (await plain.stats()).subscribers,
    parked: async () => (await plain.stats()).subscribers,
    abnormalExits: () => Promise.resolve({}),
    stop: () => plain.stop(),
  };
}

export async function startRusmFanout(options: ServerOptions = {}): Promise<FanoutServer> {
  const hello = options.hello === true;
  const tail = options.tail ?? { path: guestPath("live-tail"), target: "tail" };
  const rusm = await startRusm({
    components: {
      tail: tail.path,
      ...(hello ? { hello: guestPath("http-hello") } : {}),
    },
    routes: { "GET /tail/:topic": tail.target, ...(hello ? { "GET /": "hello" } : {}) },
    ...(tail.maxMemoryMb === undefined
      ? {}
      : { componentKeys: { tail: { "max-memory-mb": tail.maxMemoryMb } } }),
    // rusm's defaults, written out: the baseline queues as many per subscriber.
    broker: { mailbox: MAILBOX, overflow: "drop-oldest" },
    raiseFdLimit: options.fdLimit ?? true,
    nodeArgs: options.nodeArgs,
  });
  return {
    name: "rusm",
    child: rusm.child,
    url: rusm.url,
    publishUrl: rusm.adminUrl,
    subscriptions: () => rusm.metric("rusm_broker_subscriptions"),
    dropped: () => rusm.metric("rusm_broker_dropped_total"),
    live: () => rusm.metric("rusm_processes"),
    parked: () => rusm.metric("rusm_processes_parked"),
    async abnormalExits() {
      // With the hello route, `normal` exits are hello's: a tail never ends on its own.
      const expected = new Set<ExitReason>(hello ? ["disconnected", "normal"] : ["disconnected"]);
      const counts = await Promise.all(
        EXIT_REASONS.filter((r) => !expected.has(r)).map(
          async (reason) =>
            [reason, await rusm.metric("rusm_process_exits_total", { reason })] as const,
        ),
      );
      return Object.fromEntries(counts.filter(([, n]) => n > 0));
    },
    stop: () => rusm.stop(),
  };
}
