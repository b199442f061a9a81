/**
 * The admin status routes' own faults: a snapshot that fails answers 500 on `/status.json` and
 * skips a tick on the stream (said as a comment), and the listener goes on serving.
 */
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminServer, type AdminSource } from "./server.ts";

describe("admin status routes when a snapshot fails", () => {
  let fail = true;
  const source: AdminSource = {
    metrics: () => Promise.resolve({ contentType: "text/plain", body: "" }),
    publish: () => ({ delivered: 0, forwarded: null }),
    status: () => {
      if (fail) throw new Error("no snapshot today");
      return Promise.resolve({ processes: { live: 7 } } as never);
    },
  };
  const server = createAdminServer(source, { token: null });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it("answers 500 on /status.json, a comment on the stream, then serves again", async () => {
    const res = await fetch(`${base}/status.json`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("status failed: Error: no snapshot today\n");

    const stream = await fetch(`${base}/status/events`);
    const reader = stream.body!.getReader();
    let text = "";
    while (!text.includes("event: status")) {
      if (text.includes(": status failed: Error: no snapshot today")) fail = false;
      const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
      expect(chunk.done).toBe(false);
      text += new TextDecoder().decode(chunk.value);
    }
    await reader.cancel();
    expect(text).toContain(": status failed: Error: no snapshot today\n");
    expect(text).toContain('data: {"processes":{"live":7}}\n');
    expect((await fetch(`${base}/status.json`)).status).toBe(200);
  });
});
