/**
 * @module test/helpers/clients
 * Real-client helpers: an EventSource feed that records its events, and an undici read of a
 * body that may end truncated (collecting what arrived before the error).
 */
import { EventSource } from "eventsource";
import { request } from "undici";

/** An EventSource (the `eventsource` package) that records every event and error. */
export interface Feed {
  readonly es: EventSource;
  /** The `data` of every message so far, in order. */
  readonly events: string[];
  /** Errors so far (a dropped connection; EventSource then reconnects). */
  readonly errors: number;
  close(): void;
}

export function openFeed(url: string): Feed {
  const es = new EventSource(url);
  const feed = {
    es,
    events: [] as string[],
    errors: 0,
    close: () => es.close(),
  };
  es.onmessage = (ev: MessageEvent) => feed.events.push(ev.data as string);
  es.onerror = () => feed.errors++;
  return feed;
}

/** What an undici `request` read of a body got: the bytes before the end, and how it ended. */
export interface BodyRead {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The error the body ended with (a truncated chunked body), or null for a clean end. */
  readonly error: (Error & { code?: string }) | null;
}

/** GETs `url` with undici and reads the whole body, keeping what arrived if it errors. */
export async function readBody(url: string): Promise<BodyRead> {
  const res = await request(url);
  const chunks: Buffer[] = [];
  let error: (Error & { code?: string }) | null = null;
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch (err) {
    error = err as Error & { code?: string };
  }
  return {
    status: res.statusCode,
    headers: res.headers,
    text: Buffer.concat(chunks).toString("utf8"),
    error,
  };
}

/** The `data: tick N` payloads `tick 0` … `tick n-1`. */
export function ticks(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `tick ${from + i}`);
}
