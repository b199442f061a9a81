/**
 * Why rusm serves HTTP/2 (issue 21, point 3): a browser opens at most 6 HTTP/1.1 connections per
 * origin, so a page cannot hold a 7th live EventSource; over HTTP/2 they are streams of one
 * connection. A page served by rusm over TLS (HTTP/2, ALPN h2) opens 20 EventSources on a live
 * tail; all 20 are subscribed at once, one publish reaches all 20, and closing them ends 20
 * processes as `disconnected`. Debian's `chromium`, driven by puppeteer-core, and `openssl` for
 * the self-signed certificate, all installed by scripts/test-deps.ts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "puppeteer-core";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { makeCert } from "./helpers/tls.ts";
import { launchChromium } from "./helpers/browser.ts";

/** More than HTTP/1.1's 6 connections per origin. */
const FEEDS = 20;
const pair = makeCert(mkdtempSync(join(tmpdir(), "rusm-h2-browser-")));

describe("20 EventSources from one page over HTTP/2 (chromium)", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
tail = "${guest("live-tail")}"

[serve.routes]
"GET /tail/:topic" = "tail"
`,
      `workers = 1\ntls = { cert = "${pair.cert}", key = "${pair.key}" }\n`,
    ),
  );
  let browser: Browser;
  let tab: Page;

  beforeAll(async () => {
    // The certificate is the test's own, self-signed.
    browser = await launchChromium(["--ignore-certificate-errors"]);
    tab = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("the page is served over h2; all 20 feeds are live at once and get one publish; closing them ends 20 processes disconnected", async () => {
    const before = await rusm.exits();
    // A page of rusm's own origin (its 404 answer will do), so that the EventSources are
    // same-origin and share its connection.
    await tab.goto(`${rusm.url}/page`);
    const protocol = await tab.evaluate(
      () =>
        // A PerformanceNavigationTiming (a DOM type; the tests are typed for Node).
        (
          performance.getEntriesByType("navigation" as never)[0] as unknown as {
            nextHopProtocol: string;
          }
        ).nextHopProtocol,
    );
    expect(protocol).toBe("h2");

    await tab.evaluate((n) => {
      const w = globalThis as unknown as { feeds: EventSource[]; got: string[][] };
      w.feeds = [];
      w.got = [];
      for (let i = 0; i < n; i++) {
        const source = new EventSource(`/tail/news?i=${i}`);
        const got: string[] = [];
        source.onmessage = (event) => got.push(String(event.data));
        w.feeds.push(source);
        w.got.push(got);
      }
    }, FEEDS);
    // Over HTTP/1.1 only 6 would be open; the 7th and later would wait for a connection.
    await untilSubscriptions(rusm, "news", FEEDS);
    expect(await rusm.metric("rusm_processes")).toBe(FEEDS);

    expect((await publish(rusm, "news", "hello")).delivered).toBe(FEEDS);
    await rusm.until(`all ${FEEDS} EventSources got the message`, async () => {
      const got = await tab.evaluate(() =>
        (globalThis as unknown as { got: string[][] }).got.map((g) => g.join(",")),
      );
      return got.every((g) => g === "hello");
    });
    const states = await tab.evaluate(() =>
      (globalThis as unknown as { feeds: EventSource[] }).feeds.map((f) => f.readyState),
    );
    expect(states).toEqual(Array.from({ length: FEEDS }, () => 1)); // all OPEN

    await tab.evaluate(() => {
      for (const source of (globalThis as unknown as { feeds: EventSource[] }).feeds)
        source.close();
    });
    await expectExits(rusm, before, { disconnected: FEEDS });
    await untilNoProcesses(rusm);
  });
});
