/**
 * @module broker/redis
 * `[broker] backend = "redis://…"`: fan-out between rusm nodes over Redis pub/sub (ioredis).
 *
 * Each node keeps two connections: one in subscriber mode, subscribed to the channel
 * `rusm:broker:<topic>` (or the pattern `rusm:broker:<pattern>`) of every topic it has a
 * local subscriber for, and one to publish on. A message published on a node is delivered to
 * its own subscribers at once and published to Redis; every other node that subscribed gets it
 * from Redis and delivers it to its own. A node skips its own messages when Redis echoes them.
 *
 * Redis pub/sub is at-most-once: what is published while a node is cut off from Redis does
 * not reach it later. When the link drops, rusm keeps serving; it logs one warning per outage,
 * counts each message it could not forward (`rusm_broker_dropped_total{reason=
 * "backend-unavailable"}`), reconnects (backoff up to 1 s) and resubscribes by itself.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../../log/index.ts";
import type { BrokerBackend } from "./broker.ts";

/** The Redis channel prefix of rusm's topics. */
export const CHANNEL_PREFIX = "rusm:broker:";

/** Longest wait between two reconnect attempts. */
const MAX_BACKOFF_MS = 1_000;

/** How long startup waits for Redis before serving without it (it keeps reconnecting). */
const STARTUP_WAIT_MS = 3_000;

/** What a node does with a message that came from another node. */
export type RemoteDelivery = (topic: string, data: string) => void;

/** The URL with any password hidden, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

export class RedisBackend implements BrokerBackend {
  readonly #url: string;
  readonly #log: Logger;
  readonly #deliver: RemoteDelivery;
  readonly #nodeId = randomBytes(8).toString("hex");
  #seq = 0;
  /** The last remote message id: one PUBLISH reaches a node once per matching subscription. */
  #lastRemoteId = "";
  readonly #sub: Redis;
  readonly #pub: Redis;
  #down = false;
  #closing = false;
  /** True until {@link started} has logged how startup went. */
  #starting = true;

  constructor(url: string, log: Logger, deliver: RemoteDelivery) {
    this.#url = redactUrl(url);
    this.#log = log.child({ backend: this.#url });
    this.#deliver = deliver;
    const retryStrategy = (times: number): number => Math.min(times * 100, MAX_BACKOFF_MS);
    // Subscriber: (re)subscribe commands wait for the link, however long it is down.
    this.#sub = new Redis(url, {
      retryStrategy,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
      connectionName: `rusm-sub-${this.#nodeId}`,
    });
    // Publisher: no offline queue, so a publish while the link is down fails now, not late.
    this.#pub = new Redis(url, {
      retryStrategy,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `rusm-pub-${this.#nodeId}`,
    });
    for (const client of [this.#sub, this.#pub]) {
      client.on("error", (err: Error) => this.#lost(err));
      client.on("close", () => this.#lost(null));
      client.on("ready", () => this.#ready());
    }
    this.#sub.on("message", (channel: string, message: string) => this.#remote(channel, message));
    this.#sub.on("pmessage", (_pattern: string, channel: string, message: string) =>
      this.#remote(channel, message),
    );
  }

  /** True while both connections are up. */
  get connected(): boolean {
    return this.#sub.status === "ready" && this.#pub.status === "ready";
  }

  /** Resolves once connected, or after a few seconds (the backend keeps trying). */
  async started(): Promise<void> {
    const deadline = Date.now() + STARTUP_WAIT_MS;
    while (!this.connected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.#starting = false;
    if (this.connected) {
      this.#down = false;
      this.#log.info("broker connected to Redis: fan-out between nodes is on");
    } else {
      // One warning for this outage: #lost stays quiet until the link has been up.
      this.#down = true;
      this.#log.warn(
        "broker cannot reach Redis yet: serving without fan-out between nodes (messages published here reach this node's subscribers only); it keeps reconnecting",
      );
    }
  }

  forward(topic: string, data: string): boolean {
    if (this.#pub.status !== "ready") return false;
    const envelope = `${this.#nodeId}:${++this.#seq}\n${data}`;
    this.#pub.publish(CHANNEL_PREFIX + topic, envelope).catch((err: unknown) => {
      this.#log.debug({ err, topic }, "broker: a publish to Redis failed");
    });
    return true;
  }

  watch(key: string): void {
    const channel = CHANNEL_PREFIX + key;
    const done = key.includes("*") ? this.#sub.psubscribe(channel) : this.#sub.subscribe(channel);
    done.catch((err: unknown) => this.#log.debug({ err, key }, "broker: a Redis subscribe failed"));
  }

  unwatch(key: string): void {
    const channel = CHANNEL_PREFIX + key;
    const done = key.includes("*")
      ? this.#sub.punsubscribe(channel)
      : this.#sub.unsubscribe(channel);
    done.catch((err: unknown) =>
      this.#log.debug({ err, key }, "broker: a Redis unsubscribe failed"),
    );
  }

  close(): Promise<void> {
    this.#closing = true;
    this.#sub.disconnect();
    this.#pub.disconnect();
    return Promise.resolve();
  }

  #remote(channel: string, envelope: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const newline = envelope.indexOf("\n");
    if (newline === -1) return; // not rusm's
    const id = envelope.slice(0, newline);
    if (id === this.#lastRemoteId) return; // the same PUBLISH, through another subscription
    this.#lastRemoteId = id;
    if (id.startsWith(`${this.#nodeId}:`)) return; // our own, already delivered here
    this.#deliver(channel.slice(CHANNEL_PREFIX.length), envelope.slice(newline + 1));
  }

  #lost(err: Error | null): void {
    if (this.#closing || this.#down || this.#starting) return;
    if (err === null && this.connected) return;
    this.#down = true;
    this.#log.warn(
      { err: err === null ? undefined : `${(err as NodeJS.ErrnoException).code ?? err.message}` },
      "broker lost its Redis connection: messages published here reach this node's subscribers only, and other nodes' messages do not arrive, until it is back; reconnecting",
    );
  }

  #ready(): void {
    if (!this.#down || !this.connected || this.#starting) return;
    this.#down = false;
    this.#log.info("broker reconnected to Redis: fan-out between nodes is back (resubscribed)");
  }
}
