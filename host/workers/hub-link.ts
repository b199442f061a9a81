/**
 * @module workers/hub-link
 * A worker's broker backend: its link to the supervisor's hub (workers/hub.ts), through which a
 * message published on this worker reaches the other workers' subscribers (and other nodes,
 * over the supervisor's Redis link), and theirs reach this worker's.
 */
import type { Broker, BrokerBackend } from "../services/broker/index.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

export class HubLink implements BrokerBackend {
  readonly #post: (message: FromWorker) => void;
  readonly #peers: number;
  #nextId = 1;
  readonly #waiting = new Map<number, (delivered: number) => void>();
  #broker: Broker | null = null;

  /** `peers`: the other workers; with none, a publish has no one to wait for. */
  constructor(post: (message: FromWorker) => void, peers: number) {
    this.#post = post;
    this.#peers = peers;
  }

  /** The broker that messages from the hub are delivered to. */
  attach(broker: Broker): void {
    this.#broker = broker;
  }

  forward(topic: string, data: string): boolean {
    this.#post({ type: "publish", id: null, topic, data });
    // Handed to the hub; whether Redis took it is counted there (the supervisor's metrics).
    return true;
  }

  forwardCounted(topic: string, data: string): Promise<number> | null {
    if (this.#peers === 0) return null;
    const id = this.#nextId++;
    this.#post({ type: "publish", id, topic, data });
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  watch(key: string): void {
    this.#post({ type: "watch", key });
  }

  unwatch(key: string): void {
    this.#post({ type: "unwatch", key });
  }

  close(): Promise<void> {
    // Publishers still waiting are being killed: their count no longer matters.
    for (const resolve of this.#waiting.values()) resolve(0);
    this.#waiting.clear();
    return Promise.resolve();
  }

  /** Handles the hub's messages; false for a message that is not the hub's. */
  receive(message: ToWorker): boolean {
    switch (message.type) {
      case "deliver": {
        const delivered = this.#broker?.deliver(message.topic, message.data) ?? 0;
        if (message.id !== null) this.#post({ type: "delivered", id: message.id, delivered });
        return true;
      }
      case "published": {
        this.#waiting.get(message.id)?.(message.delivered);
        this.#waiting.delete(message.id);
        return true;
      }
      default:
        return false;
    }
  }
}
