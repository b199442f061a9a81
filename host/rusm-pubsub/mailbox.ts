/**
 * @module rusm-pubsub/mailbox
 * `rusm:pubsub/mailbox@0.1.0` (wit/deps/pubsub/mailbox.wit): the process waits on its own
 * mailbox. A wait that has to wait parks the process (JSPI); nothing polls.
 */
import type { Received } from "../lifecycle/mailbox.ts";
import type { Message } from "../lifecycle/signal.ts";
import { blockingCall } from "../wasi/blocking.ts";
import type { PubSubContext } from "./context.ts";

/** WIT: `variant received` as jco lowers it. */
export type WitReceived =
  { tag: "message"; val: { topic: string; data: string } } | { tag: "timeout" } | { tag: "closed" };

/** A message as the WIT record `message`. */
export function witMessage(message: Message): { topic: string; data: string } {
  return { topic: message.topic, data: message.data };
}

function toWit(received: Received): WitReceived {
  switch (received.kind) {
    case "message":
      return { tag: "message", val: witMessage(received.message) };
    case "timeout":
      return { tag: "timeout" };
    case "closed":
      return { tag: "closed" };
  }
}

/** The per-process `rusm:pubsub/mailbox` import. */
export function mailboxInterface(ctx: PubSubContext): object {
  return {
    /** WIT: `receive: func(timeout-ms: u32) -> received;` Parks while it waits. */
    receive(timeoutMs: number): WitReceived | Promise<WitReceived> {
      return blockingCall(ctx, (wait) => {
        const now = ctx.mailbox.poll();
        return now !== null ? toWit(now) : wait(ctx.mailbox.next(timeoutMs)).then(toWit);
      });
    },
  };
}
