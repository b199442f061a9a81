/**
 * @module testing/metrics
 * Reading a value out of rusm's admin `/metrics` (Prometheus text): for tests and `rusm check`.
 */
import { Agent, request } from "undici";

/**
 * Scrapes on a new connection each time. A kept-alive one can be closed by the server (its
 * idle timeout) just as a slow, busy client sends on it again, and the scrape then fails
 * with "other side closed": seen in full test runs with both cores busy.
 */
const scraper = new Agent({ pipelining: 0 });

/** The admin listener's `/metrics` text. */
export async function scrape(adminUrl: string): Promise<string> {
  const res = await request(`${adminUrl}/metrics`, { dispatcher: scraper });
  return res.body.text();
}

/**
 * The sum of every sample of metric `name` whose labels include `labels` (0 when none does):
 * `metricSum(text, "rusm_process_exits_total", { reason: "disconnected" })`.
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have: Record<string, string | undefined> = Object.fromEntries(
      [...(m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x): [string, string] => [
        x[1]!,
        x[2]!,
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}
