/**
 * @module scripts/bench/fanout/round
 * One measured round of one side: N subscribers are already listening.
 *
 * - **latency**: messages published one at a time, each once the one before reached every
 *   subscriber; per message, the time from just before its `POST /publish` to the moment the
 *   last subscriber read it.
 * - **burst**: messages published back to back (each POST as soon as the previous one was
 *   answered, not waiting for delivery); the time from the first POST to the moment the last
 *   subscriber read the last message; messages/s = messages / that time, deliveries/s =
 *   messages x N / that time.
 */
import { cpuMs } from "../lib/proc.ts";
import { messageText, nowNs, TOPIC } from "./message.ts";
import type { Publisher } from "./publisher.ts";
import type { FanoutServer } from "./servers.ts";
import type { Subscribers } from "./subscribers.ts";

/** How long one message may take to reach every subscriber before the run is invalid, ms. */
const DELIVERY_TIMEOUT_MS = 60_000;

/** A server with its subscribers and publisher, and how many messages it was sent. */
export interface Stage {
  readonly server: FanoutServer;
  readonly subscribers: Subscribers;
  readonly publisher: Publisher;
  /** Subscribers listening. */
  readonly n: number;
  /** Messages published so far (the next seq). */
  published: number;
  /** Publish answers whose `delivered` was not `n`. */
  shortAnswers: number;
}

export interface RoundResult {
  /** Publish to last delivery, ms, one per latency message. */
  latenciesMs: number[];
  burst: {
    messages: number;
    seconds: number;
    /** The subscriber process's CPU time over the burst / the burst's time (1 = one core). */
    subscriberCpuShare: number;
  };
  /** Messages published in the round (latency + burst). */
  messages: number;
}

/** Publishes the next message; returns its seq and send time. */
async function publishNext(stage: Stage): Promise<{ seq: number; sentNs: number }> {
  const seq = stage.published++;
  const sentNs = nowNs();
  const delivered = await stage.publisher.publish(TOPIC, messageText(seq, sentNs));
  if (delivered !== stage.n) stage.shortAnswers++;
  return { seq, sentNs };
}

/** `count` messages, one at a time: publish → last delivery, ms, each. */
export async function latencies(stage: Stage, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const { seq, sentNs } = await publishNext(stage);
    const delivery = await stage.subscribers.delivered(seq, DELIVERY_TIMEOUT_MS);
    out.push((delivery.lastNs - sentNs) / 1e6);
  }
  return out;
}

/** `count` messages back to back: seconds from the first POST to the last delivery. */
export async function burst(stage: Stage, count: number): Promise<RoundResult["burst"]> {
  const cpu0 = cpuMs(stage.subscribers.child.pid);
  const startNs = nowNs();
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) seqs.push((await publishNext(stage)).seq);
  let lastNs = startNs;
  for (const seq of seqs) {
    lastNs = Math.max(lastNs, (await stage.subscribers.delivered(seq, DELIVERY_TIMEOUT_MS)).lastNs);
  }
  const seconds = (lastNs - startNs) / 1e9;
  const cpu = cpuMs(stage.subscribers.child.pid) - cpu0;
  return { messages: count, seconds, subscriberCpuShare: cpu / 1000 / seconds };
}

export async function measureRound(
  stage: Stage,
  latencyMessages: number,
  burstMessages: number,
): Promise<RoundResult> {
  const latenciesMs = await latencies(stage, latencyMessages);
  const b = await burst(stage, burstMessages);
  return { latenciesMs, burst: b, messages: latencyMessages + burstMessages };
}
