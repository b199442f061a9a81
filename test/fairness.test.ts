/**
 * "Nothing ever busy-spins", from the other side: a guest whose blocking calls never have to
 * wait (clock-busy: block on an expired timer, forever) runs only on microtasks, which would
 * starve timers and sockets. rusm yields to the event loop every few milliseconds of such guest
 * time, so other requests are still served meanwhile. And a process that never writes does not
 * learn of its client's disconnect: rusm kills it after the disconnect grace.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { DISCONNECT_GRACE_MS } from "../host/process/process.ts";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

describe("fairness: a guest that never waits does not starve the server (clock-busy)", () => {
  const rusm = rusmForSuite(
    routes(`
[components]
busy = "${guest("clock-busy")}"
hello = "${guest("http-hello")}"

[serve.routes]
"GET /busy" = "busy"
"GET /hello" = "hello"
`),
  );

  it("serves other requests while two busy guests run, then kills them once their clients left", async () => {
    const before = await rusm.exits();
    const busy = [new AbortController(), new AbortController()];
    const pending = busy.map((c) =>
      request(`${rusm.url}/busy`, { signal: c.signal }).catch((err: unknown) => err),
    );
    await rusm.until(
      "both busy processes running",
      async () => (await rusm.metric("rusm_processes")) === 2,
    );

    for (let i = 0; i < 20; i++) {
      const res = await request(`${rusm.url}/hello`);
      expect(await res.body.text()).toBe("hello from wat\n");
    }
    expect(await rusm.metric("rusm_processes"), "the busy guests are still running").toBe(2);

    for (const c of busy) c.abort();
    await Promise.all(pending);
    await expectExits(rusm, before, { normal: 20, killed: 2 }, DISCONNECT_GRACE_MS + 15_000);
    await untilNoProcesses(rusm);
  });
});
