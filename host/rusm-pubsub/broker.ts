/**
 * @module rusm-pubsub/broker
 * `rusm:pubsub/broker@0.1.0` (wit/deps/pubsub/broker.wit): the node's broker as one process
 * sees it. The process subscribes itself; the broker monitors it, so its exit prunes.
 */
import { TopicError } from "../services/broker/index.ts";
import { blockingCall } from "../wasi/blocking.ts";
import { trap } from "../wasi/errors.ts";
import type { PubSubContext } from "./context.ts";

/** A bad topic is a guest bug the WIT cannot express as a value: it traps, saying why. */
function guarded<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof TopicError) trap(err.message);
    throw err;
  }
}

/** The per-process `rusm:pubsub/broker` import. */
export function brokerInterface(ctx: PubSubContext): object {
  return {
    /** WIT: `subscribe: func(topic: string);` Traps: an invalid topic or pattern. */
    subscribe(topic: string): void {
      guarded(() => ctx.broker.subscribe({ pid: ctx.pid, mailbox: ctx.mailbox }, topic));
    },
    /** WIT: `unsubscribe: func(topic: string);` */
    unsubscribe(topic: string): void {
      ctx.broker.unsubscribe(ctx.pid, topic);
    },
    /**
     * WIT: `publish: func(topic: string, data: string) -> u32;` Traps: an invalid topic.
     * With other worker threads, parks until each has said how many of its subscribers the
     * message reached, so the count is the whole node's; with one, returns at once.
     */
    publish(topic: string, data: string): number | Promise<number> {
      return blockingCall(ctx, (wait) => {
        const delivered = guarded(() => ctx.broker.publishCounted(topic, data));
        return typeof delivered === "number" ? delivered : wait(delivered);
      });
    },
  };
}
