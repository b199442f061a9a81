/**
 * SSE head options in a real browser (issue 20, point 5): a page on another origin opens an
 * `EventSource` on rusm. With the action's CORS header (`sse.head`) it receives the events;
 * without it, the browser refuses the stream; a refusal before the first event (`sse.head({
 * status: 403 })`) closes the EventSource for good (no reconnect). Debian's `chromium`,
 * driven by puppeteer-core, both installed by scripts/test-deps.ts.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "puppeteer-core";
import { ENGINES, guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { untilNoProcesses } from "./helpers/exits.ts";
import { launchChromium } from "./helpers/browser.ts";

/** What the page's EventSource saw: its first message, or how it failed. */
type Seen = { message: string } | { error: true; readyState: number };

describe.each(ENGINES)("a cross-origin EventSource in chromium (ts-handlers on %s)", (engine) => {
  const rusm = rusmForSuite(
    routes(`
[components]
handlers = { path = "${guest("ts-handlers", engine)}", max-memory-mb = 128 }

[serve.routes]
"GET /head" = "api#head"
"GET /feed" = "api#feed"
`),
  );
  let page: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    // The page's own origin: another port, so every request to rusm is cross-origin.
    page = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>other origin</title>");
    });
    await new Promise<void>((done) => page.listen(0, "127.0.0.1", done));
    origin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => page?.close(done));
  });

  /** Opens an EventSource on `url` from the other origin's page; its first message or error. */
  async function open(url: string): Promise<Seen> {
    const tab = await browser.newPage();
    try {
      await tab.goto(origin);
      return await tab.evaluate(
        (target) =>
          new Promise<Seen>((resolve) => {
            const source = new EventSource(target);
            source.onmessage = (event) => {
              source.close();
              resolve({ message: String(event.data) });
            };
            source.onerror = () => {
              // Give a reconnect a moment to show: CLOSED (2) means the browser gave up.
              setTimeout(() => {
                const readyState = source.readyState;
                source.close();
                resolve({ error: true, readyState });
              }, 500);
            };
          }),
        url,
      );
    } finally {
      await tab.close();
    }
  }

  it("with the action's CORS header (sse.head), the page receives the events", async () => {
    expect(await open(`${rusm.url}/head`)).toEqual({ message: "hello" });
    await untilNoProcesses(rusm);
  });

  it("without it (the default head), the browser refuses the stream", async () => {
    const seen = await open(`${rusm.url}/feed`);
    expect(seen).toMatchObject({ error: true, readyState: 2 });
    await untilNoProcesses(rusm);
  });

  it("a refusal before the first event is a real 403: the EventSource closes for good", async () => {
    // The same head with status 200 and no event is an empty stream: the browser reconnects.
    expect(await open(`${rusm.url}/head?status=200`)).toMatchObject({ error: true, readyState: 0 });
    expect(await open(`${rusm.url}/head?status=403`)).toMatchObject({ error: true, readyState: 2 });
    await untilNoProcesses(rusm);
  });
});
