/**
 * @module test/helpers/broker
 * The broker as an operator sees it: publish with `POST <admin>/publish/<topic>`, and read
 * `rusm_broker_subscriptions{topic}` from /metrics.
 */
import { expect } from "vitest";
import type { Rusm } from "./rusm.ts";

/** What POST /publish answered. */
export interface Published {
  delivered: number;
  forwarded?: boolean;
}

/** Publishes `data` on `topic` through the admin listener; expects 200 and returns the JSON. */
export async function publish(rusm: Rusm, topic: string, data: string): Promise<Published> {
  const res = await fetch(`${rusm.adminUrl}/publish/${encodeURIComponent(topic)}`, {
    method: "POST",
    body: data,
  });
  const text = await res.text();
  expect(res.status, `POST /publish/${topic}: ${text}`).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return JSON.parse(text) as Published;
}

/** `rusm_broker_subscriptions{topic}` now (0 when the series is absent). */
export function subscriptions(rusm: Rusm, topic: string): Promise<number> {
  return rusm.metric("rusm_broker_subscriptions", { topic });
}

/** Waits until `topic` has exactly `n` subscriptions on this node. */
export async function untilSubscriptions(
  rusm: Rusm,
  topic: string,
  n: number,
  timeoutMs?: number,
): Promise<void> {
  await rusm.until(
    `rusm_broker_subscriptions{topic="${topic}"} = ${n}`,
    async () => (await subscriptions(rusm, topic)) === n,
    timeoutMs,
  );
}
