/**
 * Regression (issue 14, "dropping unused resources never traps"): a guest that answers and then
 * drops the `incoming-request` it never read trapped *after* responding, with
 * `TypeError: unreachable resource trampoline`, through jco's glue; the client got its answer
 * but the exit counted as `trap` (and was logged as abnormal). Seen first with components that
 * cargo-component and componentize-dotnet build (several core modules, always served through
 * the glue); a single-module guest through the glue (`RUSM_ABI=jco`) does the same.
 *
 * Root cause: jco 1.11.2 writes each `[resource-drop]` trampoline of an imported resource
 * before it walks the component's exports, and gives it a destructor only when the resource
 * already has a local name, which a lowered import that mentions the resource gives it. A guest
 * that imports no function of `incoming-request` (only its drop) gets a drop whose destructor
 * is `throw new TypeError('unreachable resource trampoline')`, although the export `handle`
 * hands it exactly such a handle. rusm now rewrites those trampolines in the glue at transpile
 * time (component/glue.ts): the handle is removed from the table and the host object behind it
 * disposed, as jco does for every other resource.
 *
 * Checked here: wasip1-drop-request (several core modules, the glue) and http-drop-request
 * (one module, on the lean ABI and through the glue) answer whole and exit `normal`, with no
 * abnormal-exit log line.
 */
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { exitLogs, expectExits } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]\nwasip1 = "${guest("wasip1-drop-request")}"\nsingle = "${guest("http-drop-request")}"\n\n` +
    `[serve.routes]\n"GET /wasip1" = "wasip1"\n"GET /single" = "single"\n`,
  "workers = 1",
);

async function answersAndExitsNormal(rusm: Rusm, path: string, times: number): Promise<void> {
  const before = await rusm.exits();
  for (let i = 0; i < times; i++) {
    const res = await request(`${rusm.url}${path}`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("request dropped unread\n");
  }
  await expectExits(rusm, before, { normal: times });
}

describe("regression: dropping an unread incoming-request after answering exits normal", () => {
  describe("as configured (the multi-module guest through the glue, the single one lean)", () => {
    const rusm = rusmForSuite(TOML, { env: { RUSM_LOG: "debug" } });

    it("the paths taken: the adapter guest through jco's glue, the single module lean", () => {
      const abi: Record<string, unknown> = {};
      for (const l of rusm.logs()) {
        if (typeof l.abi === "string" && typeof l.component === "string") abi[l.component] = l.abi;
      }
      expect(abi).toEqual({ wasip1: "jco", single: "lean" });
    });

    it("wasip1-drop-request (several core modules, jco's glue): exit normal, five times", async () => {
      await answersAndExitsNormal(rusm, "/wasip1", 5);
      expect(exitLogs(rusm, { component: "wasip1" })).toEqual([]);
      const stdout = rusm.logs().filter((l) => l.component === "wasip1" && l.stream === "stdout");
      expect(stdout.map((l) => l.msg)).toContain(
        "wasip1-drop-request: answered; dropping the request",
      );
    });

    it("http-drop-request (one module, lean ABI): exit normal, five times", async () => {
      await answersAndExitsNormal(rusm, "/single", 5);
      expect(exitLogs(rusm, { component: "single" })).toEqual([]);
    });
  });

  describe("RUSM_ABI=jco (both through the glue)", () => {
    const rusm = rusmForSuite(TOML, { env: { RUSM_ABI: "jco" } });

    it("wasip1-drop-request: exit normal", async () => {
      await answersAndExitsNormal(rusm, "/wasip1", 3);
      expect(exitLogs(rusm, { component: "wasip1" })).toEqual([]);
    });

    it("http-drop-request through the glue too: exit normal", async () => {
      await answersAndExitsNormal(rusm, "/single", 3);
      expect(exitLogs(rusm, { component: "single" })).toEqual([]);
    });
  });
});
