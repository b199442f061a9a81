/**
 * @module broker
 * The node's pub/sub broker, with its backend as `[broker]` configures it.
 */
import type { Logger } from "../../log/index.ts";
import type { ProcessRegistry } from "../../lifecycle/registry.ts";
import type { Metrics } from "../../metrics/index.ts";
import { Broker, type BrokerBackend, type Overflow } from "./broker.ts";
import { RedisBackend } from "./redis.ts";

export { Broker, TopicError, OVERFLOW_POLICIES, DROP_REASONS } from "./broker.ts";
export type {
  Overflow,
  DropReason,
  Subscriber,
  BrokerBackend,
  Published,
  TopicSubscribers,
} from "./broker.ts";
export { topicProblem, TOPIC_EXPECTED, MAX_TOPIC_LENGTH } from "./topic.ts";

/** `[broker]`, validated. */
export interface BrokerConfig {
  /** `memory` (this node only) or a `redis://` / `rediss://` URL. */
  readonly backend: string;
  readonly mailbox: number;
  readonly overflow: Overflow;
}

/**
 * Starts the broker of one node; with Redis, waits a little for the first connection. With
 * `backend` (a worker thread's link to the supervisor's hub), that instead of `[broker] backend`.
 */
export async function startBroker(
  config: BrokerConfig,
  deps: { registry: ProcessRegistry; metrics: Metrics; log: Logger },
  backend?: BrokerBackend,
): Promise<Broker> {
  const broker = new Broker({
    ...deps,
    mailboxSize: config.mailbox,
    overflow: config.overflow,
  });
  if (backend !== undefined) {
    broker.useBackend(backend);
  } else if (config.backend !== "memory") {
    const backend = new RedisBackend(config.backend, deps.log, (topic, data) =>
      broker.deliver(topic, data),
    );
    broker.useBackend(backend);
    await backend.started();
  }
  return broker;
}
