/**
 * `rusm_process_exits_total`'s help text lists the exit reasons by hand (metrics/ sits below
 * lifecycle/ and cannot import them): it must list exactly the closed set of ExitReason, in its
 * order. Issue 21 found it listing 5 of the reasons.
 */
import { describe, expect, it } from "vitest";
import { METRICS } from "../metrics/names.ts";
import { EXIT_REASONS } from "./exit.ts";

/** The comma-separated list in the last parentheses of a help text. */
function listed(help: string): string[] {
  const inner = /\(([^()]*)\)\.?$/.exec(help)?.[1];
  if (inner === undefined) throw new Error(`no (list) at the end of: ${help}`);
  return inner.split(",").map((s) => s.trim());
}

describe("metric help texts", () => {
  it("rusm_process_exits_total lists exactly the exit reasons", () => {
    expect(listed(METRICS.processExits.help)).toEqual([...EXIT_REASONS]);
  });

  it("the exit metrics carry the reason and component labels", () => {
    expect(METRICS.processExits.labelNames).toEqual(["component", "reason"]);
    expect(METRICS.processes.labelNames).toEqual(["component"]);
    expect(METRICS.processesParked.labelNames).toEqual(["component"]);
  });
});
