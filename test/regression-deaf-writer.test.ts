/**
 * Regression: a guest that ignores failed writes froze the whole server.
 *
 * Symptom: an SSE guest looping `for (;;) sse.data(x)` without checking the result (or a WAT
 * guest ignoring `closed` from `blocking-write-and-flush`) kept running after its client left;
 * from then on the server answered nothing (not even /metrics), the 5 s disconnect-grace kill
 * never fired, and SIGTERM did nothing.
 *
 * Root cause: once the channel was closed, the blocking write returned its failure (false, or
 * `closed`) at once. Every JSPI import resumes on a microtask, so a guest that never had to
 * wait ran on microtasks only and starved every timer and socket. Only successful writes went
 * through the fairness yield. Fix: a failed blocking call yields through it too.
 *
 * Guests: sse-deaf (WAT) and ts-handlers' `api#deaf` (TypeScript, on both engines).
 */
import { describe, expect, it } from "vitest";
import { ENGINES, guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { openFeed } from "./helpers/clients.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

describe.each(ENGINES)(
  "a guest that ignores failed writes (sse-deaf, api#deaf on %s)",
  (engine) => {
    const rusm = rusmForSuite(
      routes(`
[components]
deaf = "${guest("sse-deaf")}"
handlers = { path = "${guest("ts-handlers", engine)}", max-memory-mb = 128 }
hello = "${guest("http-hello")}"
[serve.routes]
"GET /deaf" = "deaf"
"GET /ts-deaf" = "api#deaf"
"GET /hello" = "hello"
`),
    );

    // The WAT guest once, the TypeScript one on each engine.
    it.each(engine === "starlingmonkey" ? [["/deaf"], ["/ts-deaf"]] : [["/ts-deaf"]])(
      "%s: after the disconnect the server keeps serving, and the guest is killed at the grace",
      async (path) => {
        const before = await rusm.exits();
        const feed = openFeed(`${rusm.url}${path}`);
        try {
          await rusm.until("5 events", () => feed.events.length >= 5);
        } finally {
          feed.close();
        }
        // The guest now writes into a closed stream, over and over: the server must still answer.
        const hello = await fetch(`${rusm.url}/hello`);
        expect(hello.status).toBe(200);
        await hello.text();
        expect(await rusm.metric("rusm_processes"), "the deaf guest is still running").toBe(1);
        await expectExits(rusm, before, { killed: 1, normal: 1 }, 30_000);
        const killed = rusm.logs().filter((l) => l.reason === "killed");
        expect(killed.map((l) => l.detail)).toContainEqual(
          "client gone and the process did not exit",
        );
        await untilNoProcesses(rusm);
      },
    );
  },
);
