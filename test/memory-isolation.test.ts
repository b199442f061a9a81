/**
 * Each process is a fresh instance, even though its linear memory may be a reused one from the
 * component's memory pool (host/component/memory-pool.ts): the mem-probe guest reports a counter
 * it keeps in memory, a data-segment marker it overwrites, and the memory size, and must always
 * find `count=0 marker=fresh pages=3`, in sequence, 50 at once, and after a request grew its
 * memory. (Checked to fail when the pool hands memories back without zeroing them.)
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectExits } from "./helpers/exits.ts";

const FRESH = "count=0 marker=fresh pages=3\n";

describe("memory isolation between processes (mem-probe)", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]\nprobe = "${guest("mem-probe")}"\n\n[serve.routes]\n"GET /probe" = "probe"\n`,
    ),
  );

  const probe = async (path = "/probe"): Promise<string> => {
    const res = await request(`${rusm.url}${path}`);
    expect(res.statusCode).toBe(200);
    return res.body.text();
  };

  it("every request in sequence sees a fresh memory", async () => {
    const before = await rusm.exits();
    for (let i = 0; i < 30; i++) expect(await probe()).toBe(FRESH);
    await expectExits(rusm, before, { normal: 30 });
  });

  it("50 requests at once each see a fresh memory", async () => {
    const bodies = await Promise.all(Array.from({ length: 50 }, () => probe()));
    expect(bodies).toEqual(Array.from({ length: 50 }, () => FRESH));
  });

  it("a memory that grew is not handed on: the next requests start at the initial size", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await probe("/probe?grow")).toBe(FRESH);
      expect(await probe()).toBe(FRESH);
    }
  });
});
