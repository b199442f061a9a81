/**
 * @module scripts/deploy/checks
 * What the proxy try-out checks through a proxy in front of `rusm serve examples/routes.toml`:
 * a live feed arrives event by event, a client that leaves at the proxy ends its rusm process
 * as `disconnected`, and a WebSocket route answers. Each check resolves to a one-line result.
 */
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { request } from "undici";
import WebSocket from "ws";
import { metricSum, scrape } from "../../host/testing/index.ts";

export interface Result {
  readonly ok: boolean;
  readonly detail: string;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Publishes `data` on `topic` through rusm's admin listener; resolves to the subscribers reached. */
async function publish(adminUrl: string, topic: string, data: string): Promise<number> {
  const res = await request(`${adminUrl}/publish/${topic}`, { method: "POST", body: data });
  const body = (await res.body.json()) as { delivered?: number };
  return body.delivered ?? 0;
}

/** Waits until the text read so far holds `marker`, up to `ms`; the ms it took, or null. */
async function arrival(seen: () => string, marker: string, ms: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (seen().includes(marker)) return Math.round(performance.now() - started);
    await sleep(2);
  }
  return null;
}

/**
 * A live tail (`GET /tail/<topic>`, the WAT guest) read through the proxy: three messages are
 * published on rusm's admin listener 700 ms apart, and each must reach the client before the
 * next one is published. A buffering proxy holds them (nginx: until its buffer fills).
 */
export async function liveFeed(proxyUrl: string, adminUrl: string): Promise<Result> {
  const topic = `deploy${Math.floor(Math.random() * 1e9)}`;
  const controller = new AbortController();
  let text = "";
  let encoding = "identity";
  // Ended by the abort below: the AbortError that ends the read is expected, swallowed.
  // As a browser asks for it: a proxy that compresses the feed must show here.
  const headers = { "accept-encoding": "gzip" };
  const reading = request(`${proxyUrl}/tail/${topic}`, { signal: controller.signal, headers })
    .then(async (res) => {
      const gzipped = res.headers["content-encoding"] === "gzip";
      if (gzipped) encoding = "gzip";
      // pipeline: the abort that ends res.body ends the gunzip stream too.
      const body = gzipped ? pipeline(res.body, createGunzip(), () => undefined) : res.body;
      for await (const chunk of body) text += String(chunk);
    })
    .catch(() => undefined);
  try {
    // The subscription exists once the request reached rusm, whatever the proxy holds back.
    const deadline = performance.now() + 10_000;
    while ((await publish(adminUrl, topic, "warm-up")) === 0) {
      if (performance.now() > deadline) return { ok: false, detail: "never subscribed" };
      await sleep(100);
    }
    const delays: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const marker = `event-${i}-${topic}`;
      await publish(adminUrl, topic, marker);
      const ms = await arrival(() => text, marker, 700);
      if (ms === null) {
        const before = delays.length > 0 ? ` (${delays.join(", ")})` : "";
        return { ok: false, detail: `${encoding}: event ${i} not through within 700 ms${before}` };
      }
      delays.push(`event ${i} after ${ms} ms`);
      await sleep(700 - ms);
    }
    const through = delays.join(", ");
    return { ok: true, detail: `${encoding}: each event through before the next: ${through}` };
  } finally {
    controller.abort();
    await reading;
  }
}

/** rusm's `rusm_process_exits_total{reason}` right now. */
async function exits(adminUrl: string, reason: string): Promise<number> {
  return metricSum(await scrape(adminUrl), "rusm_process_exits_total", { reason });
}

/**
 * The endless feed (`GET /feed`) read through the proxy for a few events, then the client
 * leaves: the proxy must close its upstream connection, so that rusm counts one more
 * `disconnected` exit (polled for up to 5 s).
 */
export async function disconnect(proxyUrl: string, adminUrl: string): Promise<Result> {
  const before = await exits(adminUrl, "disconnected");
  const controller = new AbortController();
  const res = await request(`${proxyUrl}/feed`, { signal: controller.signal });
  let events = 0;
  try {
    for await (const chunk of res.body) {
      events += String(chunk).split("\n\n").length - 1;
      if (events >= 3) break;
    }
  } finally {
    controller.abort();
  }
  const left = performance.now();
  while (performance.now() - left < 5_000) {
    const after = await exits(adminUrl, "disconnected");
    if (after > before) {
      const ms = Math.round(performance.now() - left);
      return {
        ok: true,
        detail: `disconnected ${before} -> ${after}, seen ${ms} ms after the client left`,
      };
    }
    await sleep(50);
  }
  return { ok: false, detail: `rusm_process_exits_total{reason="disconnected"} stayed ${before}` };
}

/** `GET /ws/echo` upgraded through the proxy: a message comes back. */
export async function webSocket(proxyUrl: string): Promise<Result> {
  const socket = new WebSocket(`${proxyUrl.replace(/^http/, "ws")}/ws/echo`);
  return new Promise<Result>((done) => {
    const timer = setTimeout(
      () => (socket.terminate(), done({ ok: false, detail: "no echo in 10 s" })),
      10_000,
    );
    socket.once("open", () => socket.send("hello through the proxy"));
    socket.once("message", (data) => {
      clearTimeout(timer);
      socket.close();
      // binaryType "nodebuffer" (the default): one Buffer per message.
      const text = (data as Buffer).toString("utf8");
      done({ ok: text === "hello through the proxy", detail: `echoed ${JSON.stringify(text)}` });
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      done({ ok: false, detail: err.message });
    });
  });
}
