/**
 * @module scripts/bench/fanout/subscribers
 * Starts and drives one subscriber process (subscriber-process.ts) for one server: it opens N
 * event streams on `GET PATH` and tells when each message has reached all of them.
 */
import { join } from "node:path";
import { startChild, type Child } from "../lib/child.ts";
import { NODE } from "../lib/paths.ts";
import type { SubscriberReport } from "./subscriber-process.ts";

/** When the first and the last subscriber read message `seq` (monotonic ns). */
export interface Delivery {
  seq: number;
  firstNs: number;
  lastNs: number;
}

export interface Subscribers {
  readonly child: Child;
  /** Opens `n` more subscribers; resolves with the total once every head has arrived. */
  open(n: number): Promise<number>;
  /** Resolves once message `seq` reached every subscriber; rejects after `timeoutMs`. */
  delivered(seq: number, timeoutMs: number): Promise<Delivery>;
  report(): Promise<SubscriberReport>;
  stop(): Promise<void>;
}

type Reply =
  | { op: "opened"; total: number }
  | { op: "error"; message: string }
  | { op: "report"; report: SubscriberReport };

type ChildMessage = Reply | ({ op: "complete" } & Delivery);

/** `fdLimit`: the process's fd limit (child.ts `raiseFdLimit`); the hard limit by default. */
export async function startSubscribers(
  url: string,
  path: string,
  fdLimit: true | number = true,
): Promise<Subscribers> {
  const { hostname, port } = new URL(url);
  const child = await startChild({
    name: "subscriber process",
    command: NODE,
    args: [join(import.meta.dirname, "subscriber-process.ts"), hostname, port, path],
    readyPattern: /^subscribers ready$/,
    raiseFdLimit: fdLimit,
    ipc: true,
  });
  const arrived = new Map<number, Delivery>();
  const waiting = new Map<number, (delivery: Delivery) => void>();
  let reply: ((message: Reply) => void) | null = null;
  child.process.on("message", (message: ChildMessage) => {
    if (message.op !== "complete") {
      reply?.(message);
      return;
    }
    const delivery = { seq: message.seq, firstNs: message.firstNs, lastNs: message.lastNs };
    const waiter = waiting.get(delivery.seq);
    if (waiter !== undefined) waiter(delivery);
    else arrived.set(delivery.seq, delivery);
  });

  /** One request at a time; rejects when the process dies first. */
  const ask = (request: object): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error(`subscriber process exited\n${child.tail()}`));
      void child.exited.then(onExit);
      reply = (message) => {
        reply = null;
        resolve(message);
      };
      child.process.send(request);
    });

  return {
    child,
    async open(n) {
      const answer = await ask({ op: "open", n });
      if (answer.op === "opened") return answer.total;
      throw new Error(answer.op === "error" ? answer.message : `unexpected ${answer.op}`);
    },
    delivered(seq, timeoutMs) {
      const early = arrived.get(seq);
      if (early !== undefined) {
        arrived.delete(seq);
        return Promise.resolve(early);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(seq);
          reject(new Error(`message ${seq} did not reach every subscriber in ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(seq, (delivery) => {
          clearTimeout(timer);
          waiting.delete(seq);
          resolve(delivery);
        });
      });
    },
    async report() {
      const answer = await ask({ op: "report" });
      if (answer.op === "report") return answer.report;
      throw new Error(`subscriber process answered ${answer.op} to report`);
    },
    stop: () => child.stop(),
  };
}
