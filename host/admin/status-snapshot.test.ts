import { describe, expect, it } from "vitest";
import { mergeStatus, topByCpu, TOP_PROCESSES, type ServerStatus } from "./status-snapshot.ts";

const proc = (pid: number, component: string, cpuMs: number, parked = true) => ({
  pid,
  component,
  route: `GET /${component}`,
  parked,
  cpuMs,
  ageMs: 1000,
});

function part(live: number, first: number, component: string): ServerStatus {
  const top = Array.from({ length: live }, (_, i) => proc(first + i, component, first + i, i > 0));
  return {
    live,
    parked: live - 1,
    routes: [{ component, route: `GET /${component}`, parked: live - 1, running: 1 }],
    top,
    topics: [{ topic: "news", subscribers: live }],
    subscriptions: live,
  };
}

const node = {
  startedAt: 0,
  exitsByMinute: [],
  exitsTotal: { normal: 2 },
  workers: [],
  watchdogRestarts: {},
};

describe("mergeStatus", () => {
  it("sums the workers' parts by (component, route) and topic, and keeps the top CPU overall", () => {
    const s = mergeStatus(
      [
        { worker: 1, status: part(8, 1, "a") },
        { worker: 2, status: part(8, 100, "a") },
        { worker: 2, status: part(1, 500, "b") },
      ],
      node,
      5_000,
    );
    expect(s.processes).toEqual({ live: 17, parked: 14, running: 3 });
    expect(s.routes).toEqual([
      { component: "a", route: "GET /a", parked: 14, running: 2 },
      { component: "b", route: "GET /b", parked: 0, running: 1 },
    ]);
    expect(s.broker).toEqual({ subscriptions: 17, topics: [{ topic: "news", subscribers: 17 }] });
    expect(s.top).toHaveLength(TOP_PROCESSES);
    expect(s.top[0]).toMatchObject({ pid: 500, worker: 2, component: "b" });
    expect(s.top.map((p) => p.cpuMs)).toEqual([500, 107, 106, 105, 104, 103, 102, 101, 100, 8]);
    expect(s.uptimeSeconds).toBe(5);
  });
});

describe("topByCpu", () => {
  it("keeps the n busiest, busiest first, as a full sort would", () => {
    const all = Array.from({ length: 200 }, (_, i) => proc(i, "a", (i * 7919) % 101));
    const sorted = [...all].sort((a, b) => b.cpuMs - a.cpuMs || a.pid - b.pid).slice(0, 10);
    expect(topByCpu(all, 10)).toEqual(sorted);
    expect(topByCpu(all.slice(0, 3), 10)).toHaveLength(3);
  });
});
