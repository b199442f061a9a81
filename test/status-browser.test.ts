/**
 * The status page in a real browser (issue 21, point 2): Debian's `chromium`, driven by
 * puppeteer-core (both installed by scripts/test-deps.ts), opens `GET /` on the admin listener
 * of a real `rusm serve` (2 workers). The page only ever learns anything from its EventSource
 * on `/status/events`: its live count goes from 0 to 1 when an SSE client connects to a
 * live-tail route, and back to 0 when it leaves. A screenshot is taken while the client is
 * connected, saved in a temp dir left for a look (its path is printed), and checked: a PNG of
 * the viewport's size, decoded (by chromium, from the file's bytes), not blank.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "puppeteer-core";
import { openFeed } from "./helpers/clients.ts";
import { untilNoProcesses } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { launchChromium } from "./helpers/browser.ts";

const WIDTH = 1200;
const HEIGHT = 900;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The few browser globals the page functions use (the project's TypeScript lib has no DOM). */
interface BrowserGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>;
  OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: "2d"): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    } | null;
  };
}

/** What chromium made of a PNG: its size and how varied its pixels are. */
interface Decoded {
  width: number;
  height: number;
  /** Distinct colours among the sampled pixels. */
  colours: number;
  /** Share of the sampled pixels that differ from the top-left one (the background). */
  inked: number;
}

describe("the status page in chromium (2 workers, live-tail)", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
tail = "${guest("live-tail")}"

[serve.routes]
"GET /tail/:topic" = "tail"
`,
      "workers = 2",
    ),
  );
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setViewport({ width: WIDTH, height: HEIGHT, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const text = (id: string): Promise<string> =>
    page.evaluate(
      (i) =>
        (globalThis as unknown as BrowserGlobals).document.getElementById(i)?.textContent ?? "",
      id,
    );

  /** Waits until the page's element `id` reads `want` (set only by the page's EventSource). */
  const untilText = (id: string, want: string): Promise<unknown> =>
    page.waitForFunction(
      (i, w) =>
        (globalThis as unknown as BrowserGlobals).document.getElementById(i)?.textContent === w,
      { timeout: 20_000 },
      id,
      want,
    );

  it("shows the live count change as an SSE client connects and leaves, over its own SSE", async () => {
    const streams: string[] = [];
    page.on("request", (req) => {
      if (req.url().includes("/status")) streams.push(new URL(req.url()).pathname);
    });
    const res = await page.goto(`${rusm.adminUrl}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    await untilText("state", "live");
    await untilText("live", "0");
    expect(streams).toEqual(["/status/events"]);

    const feed = openFeed(`${rusm.url}/tail/news`);
    try {
      await untilText("live", "1");
      await untilText("parked", "1");
      const routesTable = await text("routes");
      expect(routesTable).toContain("tail");
      expect(routesTable).toContain("GET /tail/:topic");
      expect(await text("topics")).toContain("news");
      expect(await text("workers")).toMatch(/^worker.*1yesyes.*2yesyes/s);

      const dir = await mkdtemp(join(tmpdir(), "rusm-status-page-"));
      const file = join(dir, "status-page.png");
      await page.screenshot({ path: file, type: "png" });
      process.stdout.write(`status page screenshot: ${file}\n`);
      const png = await readFile(file);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE), "a PNG signature").toBe(true);
      // IHDR, the first chunk: width and height, big-endian, at bytes 16 and 20.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([WIDTH, HEIGHT]);
      const decoded = await decodeInBrowser(browser, png);
      expect(decoded.width).toBe(WIDTH);
      expect(decoded.height).toBe(HEIGHT);
      // A blank page is one colour; this one has text, tables and cards in several.
      expect(decoded.colours, JSON.stringify(decoded)).toBeGreaterThan(8);
      expect(decoded.inked, JSON.stringify(decoded)).toBeGreaterThan(0.02);
    } finally {
      feed.close();
    }
    await untilNoProcesses(rusm);
    await untilText("live", "0");
    expect(streams, "one stream, no polling").toEqual(["/status/events"]);
  });
});

/** Decodes `png` with chromium's image decoder, in a blank tab, and samples its pixels. */
async function decodeInBrowser(browser: Browser, png: Buffer): Promise<Decoded> {
  const tab = await browser.newPage();
  try {
    return await tab.evaluate(async (base64: string): Promise<Decoded> => {
      // Runs in the tab: the casts are types only.
      const g = globalThis as unknown as BrowserGlobals;
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: "image/png" }));
      const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(bitmap, 0, 0);
      const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      const colours = new Set<number>();
      let inked = 0;
      let sampled = 0;
      const background = data[0]! * 65536 + data[1]! * 256 + data[2]!;
      // Every 7th pixel: enough to see text, few enough to stay quick.
      for (let i = 0; i < data.length; i += 4 * 7) {
        const rgb = data[i]! * 65536 + data[i + 1]! * 256 + data[i + 2]!;
        colours.add(rgb);
        if (rgb !== background) inked++;
        sampled++;
      }
      return {
        width: bitmap.width,
        height: bitmap.height,
        colours: colours.size,
        inked: inked / sampled,
      };
    }, png.toString("base64"));
  } finally {
    await tab.close();
  }
}
