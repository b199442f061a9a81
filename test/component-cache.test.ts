/**
 * The transpile cache: the first start transpiles a component (and says so, with progress
 * lines), a second start with the same cache finds it by content hash and skips jco, and a
 * changed component is transpiled again.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, startRusm } from "./helpers/rusm.ts";

describe("component transpile cache", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function serveOnce(cacheDir: string, component: string): Promise<string> {
    const rusm = await startRusm(
      routes(`[components]\nhello = "${component}"\n\n[serve.routes]\n"GET /hello" = "hello"\n`),
      { env: { RUSM_CACHE_DIR: cacheDir } },
    );
    try {
      const res = await request(`${rusm.url}/hello`);
      expect(await res.body.text()).toBe("hello from wat\n");
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
    return rusm.stderr();
  }

  it("transpiles on the first start, skips jco on the second, redoes it when the file changes", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "rusm-cache-"));
    const work = await mkdtemp(join(tmpdir(), "rusm-cache-src-"));
    dirs.push(cacheDir, work);
    const component = join(work, "hello.wasm");
    await copyFile(guest("http-hello"), component);

    const first = await serveOnce(cacheDir, component);
    expect(first).toMatch(/rusm: transpiling hello \(.* MB\) with @bytecodealliance\/jco@1\.11\.2/);
    expect(first).toMatch(/rusm: transpiled hello in [\d.]+ s \(cached\)/);

    const second = await serveOnce(cacheDir, component);
    expect(second).not.toMatch(/transpil/);

    // Same name and path, other bytes: a new cache key.
    await copyFile(guest("sse-finite"), component);
    const rusm = await startRusm(
      routes(`[components]\nhello = "${component}"\n\n[serve.routes]\n"GET /hello" = "hello"\n`),
      { env: { RUSM_CACHE_DIR: cacheDir } },
    );
    try {
      expect(rusm.stderr()).toMatch(/rusm: transpiling hello/);
      const res = await request(`${rusm.url}/hello`);
      expect(res.headers["content-type"]).toBe("text/event-stream");
      await res.body.text();
    } finally {
      await rusm.stop();
    }
  });
});
