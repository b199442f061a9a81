/**
 * @module admin/exit-window
 * Exits by reason over the last few minutes, one bucket per minute, from cumulative counts
 * sampled now and then (a registry's, or the supervisor's tallies): each sample's growth since
 * the last one goes to the minute it was seen in. Pure; the caller samples.
 */
import type { ExitMinute } from "./status-snapshot.ts";

/** The minutes the window keeps (the current one included). */
export const WINDOW_MINUTES = 5;

const MINUTE_MS = 60_000;

export class ExitWindow {
  readonly #minutes: number;
  /** The buckets by minute number (ms since the epoch / 60 000). */
  readonly #buckets = new Map<number, Record<string, number>>();
  #last: Record<string, number> | null = null;

  constructor(minutes = WINDOW_MINUTES) {
    this.#minutes = minutes;
  }

  /**
   * Takes the cumulative exit counts at `now`. The first sample is the baseline: exits before
   * it are in the totals only.
   */
  sample(totals: Readonly<Record<string, number>>, now = Date.now()): void {
    const minute = Math.floor(now / MINUTE_MS);
    const last = this.#last;
    this.#last = { ...totals };
    if (last === null) return;
    for (const [reason, n] of Object.entries(totals)) {
      const grown = n - (last[reason] ?? 0);
      if (grown <= 0) continue;
      const bucket = this.#buckets.get(minute) ?? {};
      bucket[reason] = (bucket[reason] ?? 0) + grown;
      this.#buckets.set(minute, bucket);
    }
    for (const key of this.#buckets.keys()) {
      if (key <= minute - this.#minutes) this.#buckets.delete(key);
    }
  }

  /** The window at `now`, oldest minute first, every minute present (empty ones as `{}`). */
  minutes(now = Date.now()): ExitMinute[] {
    const current = Math.floor(now / MINUTE_MS);
    const out: ExitMinute[] = [];
    for (let m = current - this.#minutes + 1; m <= current; m++) {
      out.push({
        start: new Date(m * MINUTE_MS).toISOString(),
        exits: { ...this.#buckets.get(m) },
      });
    }
    return out;
  }
}
