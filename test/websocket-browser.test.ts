/**
 * A real browser against a WebSocket action (issue 19, point 5): Debian's `chromium`, driven by
 * puppeteer-core, opens a page whose script connects to `ws#echo` (guests/ts-ws), exchanges
 * messages, and then the tab is closed; the process must end `disconnected`. chromium is
 * installed by scripts/test-deps.ts (`npm test` runs it first).
 */
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { launchChromium } from "./helpers/browser.ts";

describe("a browser tab talks to a WebSocket action, then closes", () => {
  const rusm = rusmForSuite(
    routes(`
[components]
w = { path = "${guest("ts-ws")}", max-memory-mb = 128 }

[serve.routes]
"GET /ws/echo" = "ws#echo"
`),
  );

  it("chromium exchanges messages over ws#echo; closing the tab ends the process disconnected", async () => {
    const browser = await launchChromium();
    try {
      const before = await rusm.exits();
      const page = await browser.newPage();
      const url = `${rusm.url.replace(/^http/, "ws")}/ws/echo`;
      const echoed = await page.evaluate(
        (target) =>
          new Promise<string[]>((resolve, reject) => {
            const socket = new WebSocket(target);
            // Kept on the page: the socket stays open until the tab closes.
            (globalThis as { socket?: WebSocket }).socket = socket;
            const got: string[] = [];
            socket.onerror = () => reject(new Error("the WebSocket failed"));
            socket.onopen = () => {
              socket.send("hello from chromium");
              socket.send("second");
            };
            socket.onmessage = (event) => {
              got.push(String(event.data));
              if (got.length === 2) resolve(got);
            };
          }),
        url,
      );
      expect(echoed).toEqual(["hello from chromium", "second"]);
      expect(await rusm.metric("rusm_processes")).toBe(1);
      await page.close();
      await expectExits(rusm, before, { disconnected: 1 });
      await untilNoProcesses(rusm);
    } finally {
      await browser.close();
    }
  });
});
