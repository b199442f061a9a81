/**
 * @module rusm/guest/pubsub
 * The node's pub/sub broker for guests (rusm:pubsub). Re-exported by `rusm/guest` as `broker`.
 */
// The WIT module declarations, for projects whose tsconfig does not include this folder.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./wit.d.ts" />
import { publish, subscribe, unsubscribe } from "rusm:pubsub/broker@0.1.0";
import { receive } from "rusm:pubsub/mailbox@0.1.0";

/** A published message as a subscriber gets it. */
export interface Message {
  /** The topic it was published on (never a pattern). */
  topic: string;
  data: string;
}

/** What {@link Broker.receive} gave. */
export type Received =
  | ({ kind: "message" } & Message)
  /** Nothing arrived in time. */
  | { kind: "timeout" }
  /** The broker dropped this subscriber (it fell behind under `drop-subscriber`): stop. */
  | { kind: "closed" };

/** The broker as one process sees it. */
export interface Broker {
  /**
   * Subscribes this process to a topic (`news.sport`) or pattern (`news.*`, `*` is one
   * segment). Messages go into its mailbox. No unsubscribe is needed: the process's end, for
   * any reason, removes its subscriptions. Throws (a crash) on a topic that is not valid.
   */
  subscribe(topic: string): void;
  /** Ends one subscription. */
  unsubscribe(topic: string): void;
  /** Publishes on a topic (not a pattern); returns the subscribers reached on this node. */
  publish(topic: string, data: string): number;
  /** The next message in this process's mailbox, waiting up to `timeoutMs` (the process parks). */
  receive(timeoutMs: number): Received;
}

/** A timeout for the WIT's `u32`, or a TypeError naming what is wrong. */
export function milliseconds(what: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 1 || ms > 0xffff_ffff) {
    throw new TypeError(`${what} must be a number of milliseconds from 1 to 4294967295, got ${ms}`);
  }
  return Math.floor(ms);
}

export const broker: Broker = {
  subscribe(topic) {
    subscribe(String(topic));
  },
  unsubscribe(topic) {
    unsubscribe(String(topic));
  },
  publish(topic, data) {
    return publish(String(topic), String(data));
  },
  receive(timeoutMs) {
    const received = receive(milliseconds("receive's timeout", timeoutMs));
    switch (received.tag) {
      case "message":
        return { kind: "message", topic: received.val.topic, data: received.val.data };
      case "timeout":
        return { kind: "timeout" };
      case "closed":
        return { kind: "closed" };
    }
  },
};
