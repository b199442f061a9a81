/**
 * Regression (issue 2's integration suite; fixed in e12db31): after SIGTERM with live
 * streams, rusm logged `stopped` at once but the Node process lingered for the whole
 * disconnect grace period (DISCONNECT_GRACE_MS, 5 s) before it exited.
 *
 * Symptom: `kill -TERM` with any live stream (or within 5 s of any truncated response: a trap,
 * an OOM, an unfinished body) took 5 s longer than the shutdown itself; so did every test
 * file that ended with such a stream.
 *
 * Root cause: Process.run (host/process/process.ts) registered an `onClientGone` listener
 * that armed the 5 s kill timer, and cleared that timer when the process ended, but the
 * listener stayed. When the client went away only after the process had ended, which is
 * always the case for a truncated body (the host ends the socket, then the connection
 * closes), the listener armed a fresh, ref'ed 5 s timer for a process already gone; at
 * shutdown `closeAllConnections()` did exactly that for every killed stream. The timer kept
 * the event loop alive after `stopped`.
 *
 * The assertion compares the child's exit with its own `stopped` log line, against the host's
 * own constant: a correct rusm exits milliseconds after `stopped`; the bug made it ~5 s.
 */
import { describe, expect, it } from "vitest";
import { DISCONNECT_GRACE_MS } from "../host/process/process.ts";
import { guest, routes, startRusm } from "./helpers/rusm.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { untilStalled } from "./helpers/exits.ts";

describe("regression: shutdown does not wait out the disconnect grace of reclaimed processes", () => {
  it("SIGTERM with a live (parked) stream: the process exits right after `stopped`", async () => {
    const rusm = await startRusm(
      routes(
        `[components]\nendless = "${guest("sse-endless")}"\n\n[serve.routes]\n"GET /feed" = "endless"\n`,
      ),
    );
    const client = await RawHttp.get(rusm.url, "/feed");
    try {
      await client.until("the response head", (c) => c.head() !== null);
      client.pause();
      await untilStalled(rusm);

      const exitedAt = new Promise<number>((done) =>
        rusm.child.once("exit", () => done(Date.now())),
      );
      expect(await rusm.stop()).toBe(0);
      const stopped = rusm.logs().find((l) => l.msg === "stopped");
      expect(stopped?.exits).toMatchObject({ shutdown: 1 });

      const lingered = (await exitedAt) - Number(stopped?.time);
      expect(
        lingered,
        `rusm exited ${lingered} ms after logging "stopped" (disconnect grace: ${DISCONNECT_GRACE_MS} ms)`,
      ).toBeLessThan(DISCONNECT_GRACE_MS / 2);
    } finally {
      client.destroy();
      if (rusm.child.exitCode === null) rusm.child.kill("SIGKILL");
      await rusm.stop(); // (reaps it and removes its routes dir)
    }
  });
});
