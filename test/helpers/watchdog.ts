/**
 * @module test/helpers/watchdog
 * What the supervisor's watchdog says of a run: no worker replaced, and no step that held a
 * worker's event loop for half its CPU limit (it logs such a step as a warning, with the CPU
 * time the thread used: a measure of its own work, which other processes on a busy machine do
 * not inflate).
 */
import { expect } from "vitest";
import type { Rusm } from "./rusm.ts";

export async function expectNoRestart(rusm: Rusm): Promise<void> {
  expect(await rusm.metric("rusm_watchdog_restarts_total")).toBe(0);
  const warnings = rusm
    .logs()
    .filter((l) => String(l.msg).startsWith("watchdog") && Number(l.level) >= 40);
  expect(warnings).toEqual([]);
}
