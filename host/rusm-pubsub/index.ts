/**
 * @module rusm-pubsub
 * Assembles the `rusm:pubsub@0.1.0` imports of one process (wit/deps/pubsub/), keyed as jco's
 * glue asks for them (no version).
 */
import { brokerInterface } from "./broker.ts";
import type { PubSubContext } from "./context.ts";
import { mailboxInterface } from "./mailbox.ts";

/** The version of rusm:pubsub this host implements. */
export const RUSM_PUBSUB_VERSION = "0.1.0";

/** The calls jco must lift as JSPI-suspending imports. */
export const RUSM_PUBSUB_BLOCKING_IMPORTS = [
  "rusm:pubsub/mailbox#receive",
  // Parks only with other worker threads to ask (rusm-pubsub/broker.ts).
  "rusm:pubsub/broker#publish",
] as const;

const PER_PROCESS: Record<string, (ctx: PubSubContext) => object> = {
  "rusm:pubsub/broker": brokerInterface,
  "rusm:pubsub/mailbox": mailboxInterface,
};

/** The interfaces of rusm:pubsub the host provides (unversioned). */
export const RUSM_PUBSUB_INTERFACES: ReadonlySet<string> = new Set(Object.keys(PER_PROCESS));

/** Adds the rusm:pubsub imports for `ctx` to `imports`. */
export function addRusmPubSubImports(imports: Record<string, object>, ctx: PubSubContext): void {
  for (const [name, make] of Object.entries(PER_PROCESS)) imports[name] = make(ctx);
}
