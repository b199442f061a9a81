/**
 * Prompt teardown (issue 14, point 2): a process parked in any wait when its client leaves ends
 * at once, as `disconnected`, not 5 s later as `killed`.
 *
 * Symptom: a feed that sleeps between events (a timer, `broker.receive`, a request body read:
 * any wait that is not a body write) was not woken when its client left. It was killed at the
 * disconnect grace (DISCONNECT_GRACE_MS, 5 s), counted `killed` and logged as an abnormal exit;
 * the scaffold's own feed with `?every=5000` did this on every closed browser tab.
 *
 * Root cause: only a body write (and an SSE live tail, which listens for the channel's close)
 * learned of the disconnect; every other wait just went on. Fix (process/process.ts): when the
 * client leaves, a process waiting on something the leaving does not end is stopped in that
 * wait one turn later (`disconnected`); a wait it starts after that is ended the same way. A
 * guest that keeps running without waiting, ignoring its failed writes, is still killed at the
 * grace (regression-deaf-writer.test.ts). The TypeScript guests run on both engines.
 */
import { describe, expect, it } from "vitest";
import { ENGINES, guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { openFeed } from "./helpers/clients.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { DISCONNECT_GRACE_MS } from "../host/process/process.ts";
import { connect } from "node:net";

/** Well inside the grace: a kill at the grace cannot pass for a prompt teardown. */
const PROMPT_MS = DISCONNECT_GRACE_MS / 2;

describe.each(ENGINES)(
  "prompt teardown on %s: a client leaving ends a process parked in any wait",
  (engine) => {
    const rusm = rusmForSuite(
      routes(`
[components]
handlers = { path = "${guest("ts-handlers", engine)}", max-memory-mb = 128 }
live = { path = "${guest("ts-live", engine)}", max-memory-mb = 128 }
echo = { path = "${guest("http-echo")}", max-memory-mb = 128 }
[serve.routes]
"GET /every" = "api#every"
"GET /inbox/:topic" = "live#inbox"
"POST /echo" = "echo"
`),
    );

    /**
     * Waits for the one live process to end, well before the grace would kill it; returns how
     * long that took after `since` (the test names print it).
     */
    async function endedAfter(since: number): Promise<number> {
      await untilNoProcesses(rusm, PROMPT_MS);
      const took = Date.now() - since;
      console.log(`teardown: the process ended ${took} ms after its client left`);
      return took;
    }

    it("a feed sleeping 8 s between events (a timer), read by an EventSource that closes", async () => {
      const before = await rusm.exits();
      const feed = openFeed(`${rusm.url}/every?ms=8000`);
      await rusm.until("tick 0", () => feed.events.length >= 1);
      await rusm.until("the feed asleep in its timer", async () => {
        return (await rusm.metric("rusm_processes_parked")) === 1;
      });
      const closedAt = Date.now();
      feed.close();
      await endedAfter(closedAt);
      await expectExits(rusm, before, { disconnected: 1 });
      expect(rusm.logs().filter((l) => l.msg === "process exited abnormally")).toEqual([]);
    });

    it("a subscriber waiting in broker.receive (its mailbox), whose client closes", async () => {
      const before = await rusm.exits();
      const feed = openFeed(`${rusm.url}/inbox/teardown?ms=60000`);
      await rusm.until("the subscriber parked in receive", async () => {
        return (
          (await rusm.metric("rusm_broker_subscriptions", { topic: "teardown" })) === 1 &&
          (await rusm.metric("rusm_processes_parked")) === 1
        );
      });
      const closedAt = Date.now();
      feed.close();
      await endedAfter(closedAt);
      await expectExits(rusm, before, { disconnected: 1 });
      expect(await rusm.metric("rusm_broker_subscriptions", { topic: "teardown" })).toBe(0);
    });

    it("a process waiting for the rest of a request body, whose client leaves mid-body", async () => {
      const before = await rusm.exits();
      const { hostname, port } = new URL(rusm.url);
      const socket = connect({ host: hostname, port: Number(port) });
      await new Promise<void>((done) => socket.once("connect", done));
      socket.write(
        `POST /echo HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 100000\r\n\r\n${"x".repeat(10)}`,
      );
      await rusm.until("the echo parked in its body read", async () => {
        return (await rusm.metric("rusm_processes_parked")) === 1;
      });
      const closedAt = Date.now();
      socket.destroy();
      await endedAfter(closedAt);
      await expectExits(rusm, before, { disconnected: 1 });
    });
  },
);
