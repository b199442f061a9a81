/**
 * Per-process, not per-worker, consequences of what a guest makes the host do (issue 15,
 * Deliver 3):
 *
 * - **A loop of slow host calls.** Symptom: a fast loop, then 1,100 `fields.has` calls over
 *   250,000 entries, held the worker for over 2 s; the watchdog replaced it and other streams
 *   were cut. Root cause: preemption checks count loop iterations against a fuel sized on the
 *   fast iterations, and host time was never checked. Fix (preempt/load.ts `withSliceChecks`):
 *   every host call of an instrumented instance, on its return, ends the process's slice once
 *   guests have run a full slice without the event loop turning (its fuel is set to 0), so its
 *   next check yields and counts the CPU time, host time included, against `max-cpu-ms`.
 * - **Host memory a guest makes the host hold.** Symptom: a guest capped at 8 MiB appended
 *   256 MiB of header fields; the server's RSS grew from 238 to 463 MiB. Fix
 *   (wasi/host-memory.ts): fields and pollables a guest makes are charged to its process,
 *   capped at `max-host-memory-mb`; over it the guest traps and the process ends `oom`.
 */
import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

/** The server's resident memory (all its threads), in MiB. */
async function rssMiB(rusm: Rusm): Promise<number> {
  const status = await readFile(`/proc/${rusm.child.pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

describe("what a guest makes the host do costs only its own process", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
loop = { path = "${guest("cpu-host-loop")}", max-cpu-ms = 1000, max-host-memory-mb = 64 }
fields = { path = "${guest("mem-host-fields")}", max-memory-mb = 8 }
hello = "${guest("http-hello")}"
[serve.routes]
"GET /host-loop" = "loop"
"GET /fields" = "fields"
"GET /hello" = "hello"
`,
      "workers = 1",
    ),
  );

  it("a loop of slow host calls yields every slice and ends alone as cpu at its budget", async () => {
    const before = await rusm.exits();
    const looping = fetch(`${rusm.url}/host-loop`);
    // Served while the loop runs on the same (only) worker thread.
    await rusm.until("the loop running", async () => (await rusm.metric("rusm_processes")) === 1);
    for (let i = 0; i < 5; i++) {
      const hello = await fetch(`${rusm.url}/hello`);
      expect(hello.status).toBe(200);
      await hello.text();
    }
    const res = await looping;
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("the component ended (cpu) before responding");
    await expectExits(rusm, before, { cpu: 1, normal: 5 });
    const line = rusm.logs().find((l) => l.reason === "cpu");
    expect(String(line?.detail)).toMatch(/over max-cpu-ms 1000/);
    // No step held the thread: the watchdog logs any step of over a tenth of its CPU limit.
    expect(rusm.logs().filter((l) => String(l.msg).startsWith("watchdog"))).toEqual([]);
    expect(await rusm.metric("rusm_watchdog_restarts_total")).toBe(0);
  });

  it("a guest appending 256 MiB of header fields ends oom at max-host-memory-mb; the host's memory stays bounded", async () => {
    const before = await rusm.exits();
    const rssBefore = await rssMiB(rusm);
    const res = await fetch(`${rusm.url}/fields`);
    expect(res.status).toBe(500);
    await res.text();
    await expectExits(rusm, before, { oom: 1 });
    const line = rusm.logs().find((l) => l.reason === "oom");
    expect(String(line?.detail)).toMatch(/max-host-memory-mb/);
    // The cap is 16 MiB (the default); what V8 has not collected yet comes on top.
    const grew = (await rssMiB(rusm)) - rssBefore;
    expect(grew, `the server's RSS grew by ${grew.toFixed(0)} MiB`).toBeLessThan(96);
    await untilNoProcesses(rusm);
  });
});
