/**
 * @module workers/hub
 * The broker's fan-out across worker threads, in the supervisor: each worker has its own
 * broker (its subscribers live there), and the hub carries a publish on one worker to the
 * others, in-process. With `[broker] backend = "redis://…"` the hub (only it, once per node)
 * holds the Redis link: it forwards this node's publishes and delivers other nodes' to every
 * worker.
 *
 * Counting: a publish that wants a count (a guest's `publish`, `POST /publish`) asks every
 * other ready worker and sums their answers; a worker that goes away meanwhile (the watchdog
 * replaced it) counts 0. Every ready worker is asked, whether or not it has a matching
 * subscription: a subscription made just before the publish then still counts.
 */
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import { TopicError, topicProblem, type Published } from "../services/broker/index.ts";
import { RedisBackend } from "../services/broker/redis.ts";
import type { ToWorker } from "./protocol.ts";

/** A ready worker, as the hub sees it. */
export interface HubMember {
  readonly index: number;
  post(message: ToWorker): void;
}

interface Count {
  /** Workers yet to answer. */
  readonly waiting: Set<number>;
  sum: number;
  readonly done: (sum: number) => void;
}

export class Hub {
  readonly #members = new Map<number, HubMember>();
  /** Subscribed keys, by worker: the Redis link watches their union. */
  readonly #keys = new Map<number, Map<string, number>>();
  readonly #watchers = new Map<string, number>();
  readonly #counts = new Map<number, Count>();
  #nextId = 1;
  #redis: RedisBackend | null = null;
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  /** Links this node to others over Redis (`[broker] backend`); waits a little for it. */
  async useRedis(url: string, log: Logger): Promise<void> {
    this.#redis = new RedisBackend(url, log, (topic, data) => {
      void this.#deliver(topic, data, null);
    });
    await this.#redis.started();
  }

  /** A worker is ready: it gets publishes from now on. */
  join(member: HubMember): void {
    this.#members.set(member.index, member);
  }

  /** A worker stopped (or was replaced): its subscriptions and pending answers are gone. */
  leave(index: number): void {
    this.#members.delete(index);
    for (const [key, n] of this.#keys.get(index) ?? []) this.#unwatch(key, n);
    this.#keys.delete(index);
    for (const [id, count] of this.#counts) {
      if (count.waiting.delete(index)) this.#settle(id, count);
    }
  }

  /** `POST /publish`: to every worker; throws a TopicError for a bad topic. */
  publish(topic: string, data: string): Published | Promise<Published> {
    const problem = topicProblem(topic, false);
    if (problem !== null) throw new TopicError(`cannot publish to "${topic}": ${problem}`);
    this.#metrics.brokerPublished.inc({ topic });
    const forwarded = this.#forward(topic, data);
    return this.#deliver(topic, data, null, true).then((delivered) => ({ delivered, forwarded }));
  }

  /** A worker published: to the others (and Redis); with an id, answers it the count. */
  fromWorker(from: number, id: number | null, topic: string, data: string): void {
    this.#forward(topic, data);
    if (id === null) {
      void this.#deliver(topic, data, from);
      return;
    }
    void this.#deliver(topic, data, from, true).then((delivered) =>
      this.#members.get(from)?.post({ type: "published", id, delivered }),
    );
  }

  /** A worker's answer to a counted delivery. */
  delivered(from: number, id: number, delivered: number): void {
    const count = this.#counts.get(id);
    if (count === undefined || !count.waiting.delete(from)) return;
    count.sum += delivered;
    this.#settle(id, count);
  }

  watch(from: number, key: string): void {
    let keys = this.#keys.get(from);
    if (keys === undefined) this.#keys.set(from, (keys = new Map<string, number>()));
    keys.set(key, (keys.get(key) ?? 0) + 1);
    const n = (this.#watchers.get(key) ?? 0) + 1;
    this.#watchers.set(key, n);
    if (n === 1) this.#redis?.watch(key);
  }

  unwatch(from: number, key: string): void {
    const keys = this.#keys.get(from);
    const n = keys?.get(key);
    if (keys === undefined || n === undefined) return;
    if (n === 1) keys.delete(key);
    else keys.set(key, n - 1);
    this.#unwatch(key, 1);
  }

  async close(): Promise<void> {
    for (const [id, count] of this.#counts) {
      count.waiting.clear();
      this.#settle(id, count);
    }
    await this.#redis?.close();
  }

  #unwatch(key: string, times: number): void {
    const n = (this.#watchers.get(key) ?? 0) - times;
    if (n > 0) {
      this.#watchers.set(key, n);
      return;
    }
    this.#watchers.delete(key);
    this.#redis?.unwatch(key);
  }

  /** Forwards to Redis; null without it, false (counted as dropped) when the link is down. */
  #forward(topic: string, data: string): boolean | null {
    if (this.#redis === null) return null;
    const forwarded = this.#redis.forward(topic, data);
    if (!forwarded) this.#metrics.brokerDropped.inc({ topic, reason: "backend-unavailable" });
    return forwarded;
  }

  /** Delivers to every ready worker but `except`; counted: resolves to their sum. */
  #deliver(topic: string, data: string, except: number | null, counted = false): Promise<number> {
    const to = [...this.#members.values()].filter((m) => m.index !== except);
    if (!counted || to.length === 0) {
      for (const member of to) member.post({ type: "deliver", id: null, topic, data });
      return Promise.resolve(0);
    }
    const id = this.#nextId++;
    return new Promise((done) => {
      this.#counts.set(id, { waiting: new Set(to.map((m) => m.index)), sum: 0, done });
      for (const member of to) member.post({ type: "deliver", id, topic, data });
    });
  }

  #settle(id: number, count: Count): void {
    if (count.waiting.size > 0) return;
    this.#counts.delete(id);
    count.done(count.sum);
  }
}
