/**
 * @module test/helpers/browser
 * A real browser for tests: Debian's `chromium` (installed by scripts/test-deps.ts), driven by
 * puppeteer-core, headless.
 */
import { existsSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer-core";
import { expect } from "vitest";

const CHROMIUM = "/usr/bin/chromium";

/** Launches chromium; `args` are added to the flags every test needs. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} (Debian chromium; node scripts/test-deps.ts)`).toBe(
    true,
  );
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: chromium's sandbox needs user namespaces it may not have.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", ...args],
  });
}
