/**
 * @module broker/broker
 * The pub/sub broker: one per rusm node, started with the server, living as long as it.
 *
 * - `subscribe(process, topic)` adds a subscription and monitors the process: its exit, for
 *   any reason (normal, disconnect, trap, oom, killed), prunes every subscription it had. No
 *   unsubscribe call is needed.
 * - `publish(topic, data)` puts the message in the mailbox of every subscriber whose topic or
 *   pattern matches (once per subscriber, however many of its subscriptions match) and returns
 *   how many it reached. It never waits: a subscriber that is behind has a full mailbox, and
 *   the {@link Overflow} policy decides what gives, counted in `rusm_broker_dropped_total`.
 * - With a {@link BrokerBackend} (Redis), messages published here are also forwarded to the
 *   other nodes, and theirs are delivered here.
 *
 * Overflow, per subscriber mailbox of `[broker] mailbox` messages:
 *
 * | policy            | a message for a full mailbox                                            |
 * |-------------------|-------------------------------------------------------------------------|
 * | `drop-oldest`     | is queued and the oldest queued one is dropped (reason `drop-oldest`):  |
 * |                   | a slow subscriber sees the newest messages, with a gap                  |
 * | `drop-subscriber` | drops the subscriber: its subscriptions end, its queued messages and    |
 * |                   | this one are dropped (reason `drop-subscriber`), its mailbox closes, so |
 * |                   | `sse.run` returns and the stream ends; an EventSource client reconnects |
 */
import type { Logger } from "../../log/index.ts";
import type { Mailbox } from "../../lifecycle/mailbox.ts";
import type { ProcessRegistry } from "../../lifecycle/registry.ts";
import type { Message, MonitorRef } from "../../lifecycle/signal.ts";
import type { Metrics } from "../../metrics/index.ts";
import { isPattern, patternMatcher, topicProblem } from "./topic.ts";

export { OVERFLOW_POLICIES, type Overflow } from "../../config/types.ts";
import type { Overflow } from "../../config/types.ts";

/** Why a message did not reach someone: the `reason` label of rusm_broker_dropped_total. */
export const DROP_REASONS = ["drop-oldest", "drop-subscriber", "backend-unavailable"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Thrown for a topic that is not one (the caller decides: a guest trap, a 400). */
export class TopicError extends Error {
  override readonly name = "TopicError";
}

/** The link beyond this broker: to other nodes (Redis), or to the other worker threads' brokers. */
export interface BrokerBackend {
  /** Forwards a message published on this node; false when it could not (the link is down). */
  forward(topic: string, data: string): boolean;
  /**
   * Only a link within the node (workers/hub-link.ts): forwards, and resolves to the subscribers
   * the message reached beyond this broker, or returns null when there is no one to ask (one
   * worker), for {@link Broker.publishCounted}.
   */
  forwardCounted?(topic: string, data: string): Promise<number> | null;
  /** This node now has a subscription with key `key` (a topic or a pattern). */
  watch(key: string): void;
  /** This node no longer has any subscription with key `key`. */
  unwatch(key: string): void;
  close(): Promise<void>;
}

/** What a publish did. */
export interface Published {
  /** Subscribers reached on this node. */
  readonly delivered: number;
  /** With a backend: whether it went to the other nodes; null without one. */
  readonly forwarded: boolean | null;
}

/** What the broker needs of a subscribing process. */
export interface Subscriber {
  readonly pid: number;
  readonly mailbox: Mailbox;
}

interface Subscription {
  readonly subscriber: Subscriber;
  readonly keys: Set<string>;
  readonly ref: MonitorRef;
}

interface PatternEntry {
  readonly matches: (topic: string) => boolean;
  readonly pids: Set<number>;
}

export interface BrokerOptions {
  readonly registry: ProcessRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Messages a subscriber's mailbox holds. */
  readonly mailboxSize: number;
  readonly overflow: Overflow;
}

/** A topic (or pattern) and its subscribers on one broker. */
export interface TopicSubscribers {
  readonly topic: string;
  readonly subscribers: number;
}

export class Broker {
  readonly mailboxSize: number;
  readonly overflow: Overflow;
  readonly #registry: ProcessRegistry;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #byPid = new Map<number, Subscription>();
  /** Exact topics: topic → pids. */
  readonly #exact = new Map<string, Set<number>>();
  /** Patterns: pattern → matcher and pids. */
  readonly #patterns = new Map<string, PatternEntry>();
  #backend: BrokerBackend | null = null;

  constructor(options: BrokerOptions) {
    this.#registry = options.registry;
    this.#metrics = options.metrics;
    this.#log = options.log;
    this.mailboxSize = options.mailboxSize;
    this.overflow = options.overflow;
  }

  /** Connects the broker to other nodes. */
  useBackend(backend: BrokerBackend): void {
    this.#backend = backend;
    for (const key of [...this.#exact.keys(), ...this.#patterns.keys()]) backend.watch(key);
  }

  /** Subscriptions, for one key (topic or pattern) or in all. */
  subscriptions(key?: string): number {
    if (key === undefined) {
      let n = 0;
      for (const s of this.#byPid.values()) n += s.keys.size;
      return n;
    }
    return (this.#exact.get(key) ?? this.#patterns.get(key)?.pids)?.size ?? 0;
  }

  /**
   * The topics and patterns with subscribers here, and how many, most subscribed first, at most
   * `limit` of them (the status page).
   */
  topics(limit: number): TopicSubscribers[] {
    const all: TopicSubscribers[] = [];
    for (const [topic, pids] of this.#exact) all.push({ topic, subscribers: pids.size });
    for (const [topic, entry] of this.#patterns) {
      all.push({ topic, subscribers: entry.pids.size });
    }
    all.sort((a, b) => b.subscribers - a.subscribers || (a.topic < b.topic ? -1 : 1));
    return all.slice(0, limit);
  }

  /** Subscribes `subscriber` to a topic or pattern; monitors it on its first subscription. */
  subscribe(subscriber: Subscriber, key: string): void {
    const problem = topicProblem(key, true);
    if (problem !== null) throw new TopicError(`cannot subscribe to "${key}": ${problem}`);
    let subscription = this.#byPid.get(subscriber.pid);
    if (subscription === undefined) {
      if (subscriber.mailbox.closed) return; // dropped before: it stays dropped
      const ref = this.#registry.monitor(subscriber.pid, () => this.#prune(subscriber.pid));
      subscription = { subscriber, keys: new Set(), ref };
      this.#byPid.set(subscriber.pid, subscription);
    }
    if (subscription.keys.has(key)) return;
    subscription.keys.add(key);
    let pids: Set<number>;
    if (isPattern(key)) {
      let entry = this.#patterns.get(key);
      if (entry === undefined) {
        this.#patterns.set(key, (entry = { matches: patternMatcher(key), pids: new Set() }));
      }
      pids = entry.pids;
    } else {
      let set = this.#exact.get(key);
      if (set === undefined) this.#exact.set(key, (set = new Set()));
      pids = set;
    }
    pids.add(subscriber.pid);
    this.#metrics.brokerSubscriptions.set({ topic: key }, pids.size);
    if (pids.size === 1) this.#backend?.watch(key);
  }

  /** Ends one subscription; the process stays monitored only while it has others. */
  unsubscribe(pid: number, key: string): void {
    const subscription = this.#byPid.get(pid);
    if (subscription === undefined || !subscription.keys.delete(key)) return;
    this.#removeKey(pid, key);
    if (subscription.keys.size === 0) {
      this.#byPid.delete(pid);
      this.#registry.demonitor(pid, subscription.ref);
    }
  }

  /**
   * Publishes on this node and forwards to the others. Throws {@link TopicError} for a bad
   * topic (a pattern included).
   */
  publish(topic: string, data: string): Published {
    this.#validated(topic);
    this.#metrics.brokerPublished.inc({ topic });
    let forwarded: boolean | null = null;
    if (this.#backend !== null) {
      forwarded = this.#backend.forward(topic, data);
      if (!forwarded) this.#metrics.brokerDropped.inc({ topic, reason: "backend-unavailable" });
    }
    return { delivered: this.deliver(topic, data), forwarded };
  }

  /**
   * Publishes like {@link publish}, and counts the subscribers reached on the whole node: with
   * other worker threads, a promise of the sum once each has replied; else the number at once.
   */
  publishCounted(topic: string, data: string): number | Promise<number> {
    const elsewhere = this.#validated(topic).#backend?.forwardCounted?.(topic, data) ?? null;
    if (elsewhere === null) return this.publish(topic, data).delivered;
    this.#metrics.brokerPublished.inc({ topic });
    const here = this.deliver(topic, data);
    return elsewhere.then((there) => here + there);
  }

  #validated(topic: string): this {
    const problem = topicProblem(topic, false);
    if (problem !== null) throw new TopicError(`cannot publish to "${topic}": ${problem}`);
    return this;
  }

  /** Delivers a message to this node's subscribers (a local publish, or one from another node). */
  deliver(topic: string, data: string): number {
    const message: Message = { topic, data };
    let reached = 0;
    const exact = this.#exact.get(topic);
    let seen: Set<number> | null = null;
    // Iterating the live sets is safe while #offer drops a subscriber (a Set or Map iteration
    // skips what is deleted under it), so no copy per publish.
    if (exact !== undefined) {
      for (const pid of exact) if (this.#offer(pid, message)) reached++;
    }
    for (const entry of this.#patterns.values()) {
      if (!entry.matches(topic)) continue;
      seen ??= new Set(exact);
      for (const pid of entry.pids) {
        if (seen.has(pid)) continue;
        seen.add(pid);
        if (this.#offer(pid, message)) reached++;
      }
    }
    if (reached > 0) this.#metrics.brokerDelivered.inc({ topic }, reached);
    return reached;
  }

  /** Ends every subscription (server shutdown). */
  async close(): Promise<void> {
    for (const pid of [...this.#byPid.keys()]) this.#prune(pid);
    await this.#backend?.close();
  }

  #offer(pid: number, message: Message): boolean {
    const subscription = this.#byPid.get(pid);
    if (subscription === undefined) return false;
    const { mailbox } = subscription.subscriber;
    if (mailbox.offer(message)) return true;
    if (this.overflow === "drop-oldest" && !mailbox.closed) {
      const dropped = mailbox.dropOldest();
      if (dropped !== undefined) {
        this.#metrics.brokerDropped.inc({ topic: dropped.topic, reason: "drop-oldest" });
      }
      return mailbox.offer(message);
    }
    this.#metrics.brokerDropped.inc({ topic: message.topic, reason: "drop-subscriber" });
    for (const discarded of mailbox.close()) {
      this.#metrics.brokerDropped.inc({ topic: discarded.topic, reason: "drop-subscriber" });
    }
    this.#log.warn(
      { pid, mailbox: mailbox.capacity, topics: [...subscription.keys] },
      "broker dropped a subscriber that fell behind (its mailbox was full)",
    );
    this.#registry.demonitor(pid, subscription.ref);
    this.#prune(pid);
    return false;
  }

  /** Removes every subscription of `pid` (its process ended, or it was dropped). */
  #prune(pid: number): void {
    const subscription = this.#byPid.get(pid);
    if (subscription === undefined) return;
    this.#byPid.delete(pid);
    for (const key of subscription.keys) this.#removeKey(pid, key);
  }

  #removeKey(pid: number, key: string): void {
    const pids = this.#exact.get(key) ?? this.#patterns.get(key)?.pids;
    if (pids === undefined || !pids.delete(pid)) return;
    if (pids.size > 0) {
      this.#metrics.brokerSubscriptions.set({ topic: key }, pids.size);
      return;
    }
    this.#exact.delete(key);
    this.#patterns.delete(key);
    // A topic nobody listens to any more leaves the gauge, so topics do not pile up.
    this.#metrics.brokerSubscriptions.remove({ topic: key });
    this.#backend?.unwatch(key);
  }
}
