/**
 * Graceful drain on SIGTERM/SIGINT (issue 14, point 3).
 *
 * Symptom: SIGTERM ended every SSE stream without its terminating chunk (a client saw an error,
 * not an end) and logged one warning per stream as an abnormal (`killed`) exit; a request in
 * the middle of its work was cut as well.
 *
 * Now (server/index.ts `close`, cli/serve.ts): rusm stops accepting connections; a request that
 * still arrives on an open connection is answered 503 with `Connection: close`; every live
 * stream (text/event-stream) ends at once, cleanly, so an EventSource reconnects elsewhere;
 * finite requests get up to `drain-ms` to finish; what still runs then is stopped (503 before
 * a head, a truncated body after). Those exits count as `shutdown`, with no warning, and rusm
 * exits 0 with one summary line.
 */
import { describe, expect, it } from "vitest";
import { connect } from "node:net";
import { guest, routes, startRusm, type Rusm } from "./helpers/rusm.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { openFeed } from "./helpers/clients.ts";

const TOML = (drainMs: number): string =>
  routes(
    `
[components]
hello = "${guest("http-hello")}"
endless = "${guest("sse-endless")}"
handlers = { path = "${guest("ts-handlers")}", max-memory-mb = 128 }
[serve.routes]
"GET /hello" = "hello"
"GET /feed" = "endless"
"POST /later/:what" = "api#later"
`,
    `drain-ms = ${drainMs}`,
  );

/** A POST whose body is sent in two parts: the process waits for the second (a finite request). */
async function halfPost(
  rusm: Rusm,
  length: number,
): Promise<RawHttp & { rest(then?: string): void }> {
  const { hostname, port } = new URL(rusm.url);
  const client = (await RawHttp.get(rusm.url, "/hello")) as RawHttp & {
    rest(then?: string): void;
  };
  // (RawHttp.get sent a GET; this connection is used for it, then for the POST.)
  await client.until("the GET's answer", (c) => c.text().includes("hello"));
  const body = "y".repeat(length);
  client.socket.write(
    `POST /later/drain HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Length: ${length}\r\n\r\n${body.slice(0, 5)}`,
  );
  /** Sends the rest of the body, and `then` (a pipelined request) in the same write. */
  client.rest = (then = "") => client.socket.write(body.slice(5) + then);
  return client;
}

function exitLines(rusm: Rusm, msg: string): Array<Record<string, unknown>> {
  return rusm.logs().filter((l) => l.msg === msg);
}

describe("graceful drain on SIGTERM", () => {
  it("live streams end cleanly at once, a finite request finishes, new work is refused; exits shutdown, exit 0, one summary line", async () => {
    const rusm = await startRusm(TOML(8000));
    const feed = openFeed(`${rusm.url}/feed`);
    const raw = await RawHttp.get(rusm.url, "/feed");
    try {
      await rusm.until("the EventSource flows", () => feed.events.length >= 3);
      await raw.until("the raw stream flows", (c) => c.body().data.length > 100);
      const post = await halfPost(rusm, 20);
      await rusm.until("three processes live (two streams, the POST)", async () => {
        return (await rusm.metric("rusm_processes")) === 3;
      });

      const code = rusm.stop();
      // The streams end with their terminating chunk: a clean end, not a cut.
      await raw.until("the raw stream's clean end", (c) => c.body().complete);
      let errorsBefore = feed.errors;
      await rusm.until("the EventSource sees its stream end", () => feed.errors > errorsBefore);
      errorsBefore = feed.errors;
      // Nothing new is accepted: not a new connection, not a request on an open one.
      const { hostname, port } = new URL(rusm.url);
      const refused = await new Promise<string>((done) => {
        const s = connect({ host: hostname, port: Number(port) });
        s.once("connect", () => {
          s.destroy();
          done("connected");
        });
        s.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      });
      expect(refused).toBe("ECONNREFUSED");
      // The finite request is still served; a request after it on its connection is not.
      post.rest(`GET /hello HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      await post.until("the POST's answer, then a 503", (c) => c.text().includes("HTTP/1.1 503"));
      const answers = post.text().split("HTTP/1.1 ").slice(1);
      expect(answers.map((a) => a.slice(0, 3))).toEqual(["200", "200", "503"]);
      expect(answers[1]).toContain("later drain: 20 bytes");
      expect(answers[2]).toMatch(/connection: close/i);
      expect(answers[2]).toMatch(/retry-after: 1/i);

      expect(await code).toBe(0);
      const stopped = exitLines(rusm, "stopped");
      expect(stopped, "one summary line").toHaveLength(1);
      expect(stopped[0]).toMatchObject({
        signal: "SIGTERM",
        streamsEnded: 2,
        stoppedAtDeadline: 0,
      });
      expect(stopped[0]!.exits).toMatchObject({ shutdown: 2, normal: 2, killed: 0, trap: 0 });
      expect(exitLines(rusm, "process exited abnormally")).toEqual([]);
      expect(rusm.logs().filter((l) => Number(l.level) >= 40)).toEqual([]);
    } finally {
      feed.close();
      raw.destroy();
      if (rusm.child.exitCode === null) rusm.child.kill("SIGKILL");
      await rusm.stop();
    }
  });

  it("at drain-ms, what still runs is stopped: 503 before a head, counted shutdown", async () => {
    const rusm = await startRusm(TOML(500));
    try {
      const post = await halfPost(rusm, 20);
      await rusm.until("the POST waits for its body", async () => {
        return (await rusm.metric("rusm_processes_parked")) === 1;
      });
      expect(await rusm.stop()).toBe(0);
      await post.until("the 503", (c) => c.text().includes("HTTP/1.1 503"));
      expect(post.text()).toContain("rusm shut down before this request was answered");
      const stopped = exitLines(rusm, "stopped");
      expect(stopped).toHaveLength(1);
      expect(stopped[0]).toMatchObject({ streamsEnded: 0, stoppedAtDeadline: 1 });
      expect(stopped[0]!.exits).toMatchObject({ shutdown: 1, killed: 0 });
      post.destroy();
    } finally {
      if (rusm.child.exitCode === null) rusm.child.kill("SIGKILL");
      await rusm.stop();
    }
  });
});
