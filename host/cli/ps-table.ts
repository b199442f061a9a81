/**
 * @module cli/ps-table
 * `rusm ps`'s text: a status snapshot (admin/status-snapshot.ts) as plain tables, the same
 * sections as the status page. Pure.
 */
import type { StatusSnapshot } from "../admin/status-snapshot.ts";

const REASONS = ["normal", "disconnected", "trap", "oom", "killed", "timeout", "cpu", "shutdown"];

/** Rows as columns padded to their widest cell; numbers right-aligned. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const numeric = head.map(
    (_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number"),
  );
  return cells
    .map((r) =>
      r
        .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function section(title: string, head: readonly string[], rows: (string | number)[][]): string {
  return `${title}\n${rows.length === 0 ? "  (none)" : table(head, rows)}\n`;
}

/** The snapshot as `rusm ps` prints it. */
export function formatStatus(s: StatusSnapshot): string {
  const { live, parked, running } = s.processes;
  const restarts = Object.entries(s.watchdogRestarts).map(([k, v]) => `${k} ${v}`);
  return [
    `rusm status at ${s.at} (up ${s.uptimeSeconds} s): ${live} live processes, ${parked} parked, ${running} running`,
    "",
    section(
      "PROCESSES BY COMPONENT AND ROUTE",
      ["COMPONENT", "ROUTE", "PARKED", "RUNNING"],
      s.routes.map((r) => [r.component, r.route, r.parked, r.running]),
    ),
    section(
      "TOP CPU",
      ["PID", "WORKER", "COMPONENT", "ROUTE", "CPU_MS", "AGE_S", "STATE"],
      s.top.map((p) => [
        p.pid,
        p.worker,
        p.component,
        p.route,
        Math.round(p.cpuMs),
        Math.round(p.ageMs / 1000),
        p.parked ? "parked" : "running",
      ]),
    ),
    section(
      "EXITS BY MINUTE (UTC)",
      ["MINUTE", ...REASONS.map((r) => r.toUpperCase())],
      [
        ...s.exitsByMinute.map((m) => [
          m.start.slice(11, 16),
          ...REASONS.map((r) => m.exits[r] ?? 0),
        ]),
        ["total", ...REASONS.map((r) => s.exitsTotal[r] ?? 0)],
      ],
    ),
    section(
      `BROKER TOPICS (${s.broker.subscriptions} subscriptions)`,
      ["TOPIC", "SUBSCRIBERS"],
      s.broker.topics.map((t) => [t.topic, t.subscribers]),
    ),
    section(
      `WORKERS (watchdog restarts: ${restarts.length === 0 ? "none" : restarts.join(", ")})`,
      ["WORKER", "SERVING", "ANSWERED", "PROCESSES", "CONNECTIONS"],
      s.workers.map((w) => [
        w.index,
        w.serving ? "yes" : "no",
        w.answered ? "yes" : "no",
        w.live,
        w.connections,
      ]),
    ),
  ].join("\n");
}
