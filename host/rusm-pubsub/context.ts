/**
 * @module rusm-pubsub/context
 * What rusm:pubsub's host functions need of a process: its mailbox and the node's broker, on top
 * of WASI's context. Its own file so the interfaces (broker.ts, mailbox.ts) and index.ts, which
 * assembles them, do not import one another.
 */
import type { Mailbox } from "../lifecycle/mailbox.ts";
import type { Broker } from "../services/broker/index.ts";
import type { WasiContext } from "../wasi/index.ts";

/** What rusm:pubsub's host functions need of a process, on top of WASI's. */
export interface PubSubContext extends WasiContext {
  /** This process's mailbox, made on first use. */
  readonly mailbox: Mailbox;
  /** The node's broker. */
  readonly broker: Broker;
}
