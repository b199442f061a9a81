/**
 * Each process is a fresh instance, even though its linear memory may be a reused one from the
 * component's memory pool (host/component/memory-pool.ts): the mem-probe guest reports a counter
 * it keeps in memory, a data-segment marker it overwrites, and the memory size, and must always
 * find `count=0 marker=fresh pages=3`, in sequence, 50 at once, and after a request grew its
 * memory. Its data segments are all at constant offsets, so rusm made them passive and the
 * marker comes from the pool's initial image, restored on release. The same holds with
 * `pool = 0` (a new memory each time) and with a pool of 2 under 50 concurrent requests.
 * (Checked to fail when the pool hands memories back without restoring the image.)
 *
 * The TypeScript probe (ts-probe) checks the same from inside a JavaScript engine, on each
 * engine `rusm build` has: a module-level counter, a global object's marker and an array's
 * length must be as built on every request, in sequence, 50 at once and after a request grew
 * the memory.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { ENGINES, guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

const FRESH = "count=0 marker=fresh pages=3\n";

/** One worker thread: the pool is per worker, and the counts here are one pool's. */
const toml = (probe: string): string =>
  routes(
    `[components]\nprobe = ${probe}\n\n[serve.routes]\n"GET /probe" = "probe"\n`,
    "workers = 1",
  );

/** `rusm_pool_acquired_total` of the probe by source, from the admin metrics. */
async function acquired(rusm: Rusm, source: "pool" | "fresh"): Promise<number> {
  return rusm.metric("rusm_pool_acquired_total", { component: "probe", source });
}

describe("memory isolation between processes (mem-probe)", () => {
  const rusm = rusmForSuite(toml(`"${guest("mem-probe")}"`));
  const probe = prober(rusm);

  it("every request in sequence sees a fresh memory, though it is a reused one", async () => {
    const before = await rusm.exits();
    for (let i = 0; i < 30; i++) expect(await probe()).toBe(FRESH);
    await expectExits(rusm, before, { normal: 30 });
    expect(await acquired(rusm, "pool")).toBeGreaterThanOrEqual(29);
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

describe("memory isolation with pool = 0 (mem-probe)", () => {
  const rusm = rusmForSuite(toml(`{ path = "${guest("mem-probe")}", pool = 0 }`));
  const probe = prober(rusm);

  it("every process gets a new memory holding the initial image, in sequence and 50 at once", async () => {
    for (let i = 0; i < 10; i++) expect(await probe()).toBe(FRESH);
    const bodies = await Promise.all(Array.from({ length: 50 }, () => probe()));
    expect(bodies).toEqual(Array.from({ length: 50 }, () => FRESH));
    expect(await acquired(rusm, "pool")).toBe(0);
    expect(await acquired(rusm, "fresh")).toBe(60);
    expect(await rusm.metric("rusm_pool_idle_memories", { component: "probe" })).toBe(0);
  });
});

describe("memory isolation with pool = 2 (mem-probe)", () => {
  // mem-probe never parks, so its processes seldom overlap; clock-sleep parks each for 50 ms,
  // so 50 at once hold 50 memories, of which the pool keeps 2 (one worker thread, as above).
  const rusm = rusmForSuite(
    routes(
      `[components]\nprobe = { path = "${guest("mem-probe")}", pool = 2 }\n` +
        `sleep = { path = "${guest("clock-sleep")}", pool = 2 }\n\n` +
        `[serve.routes]\n"GET /probe" = "probe"\n"GET /sleep" = "sleep"\n`,
      "workers = 1",
    ),
  );
  const probe = prober(rusm);
  const idle = (component: string): Promise<number> =>
    rusm.metric("rusm_pool_idle_memories", { component });

  it("50 requests at once, three times: each sees a fresh memory; at most 2 are kept", async () => {
    for (let round = 0; round < 3; round++) {
      const bodies = await Promise.all(Array.from({ length: 50 }, () => probe()));
      expect(bodies).toEqual(Array.from({ length: 50 }, () => FRESH));
      expect(await idle("probe")).toBeLessThanOrEqual(2);
    }
    expect(await acquired(rusm, "pool")).toBeGreaterThan(0);
  });

  it("50 parked processes at once: 50 memories in use, 2 kept afterwards, the rest discarded", async () => {
    const bodies = await Promise.all(
      Array.from({ length: 50 }, async () => (await request(`${rusm.url}/sleep`)).body.text()),
    );
    expect(bodies).toEqual(Array.from({ length: 50 }, () => "slept\n"));
    await untilNoProcesses(rusm);
    expect(await idle("sleep")).toBe(2);
    const full = await rusm.metric("rusm_pool_discarded_total", {
      component: "sleep",
      reason: "full",
    });
    expect(full).toBeGreaterThanOrEqual(40);
    const reused = await rusm.metric("rusm_pool_acquired_total", {
      component: "sleep",
      source: "pool",
    });
    const fresh = await rusm.metric("rusm_pool_acquired_total", {
      component: "sleep",
      source: "fresh",
    });
    expect(reused + fresh).toBe(50);
    // Each of the 50 ended clean: its memory was discarded as full, or kept (then reused or idle).
    expect(full + reused + 2).toBe(50);
  });
});

describe.each(ENGINES)("memory isolation of a TypeScript guest on %s (ts-probe)", (engine) => {
  const TS_FRESH = "count=0 marker=fresh hog=0\n";
  const rusm = rusmForSuite(
    routes(
      `[components]\nprobe = { path = "${guest("ts-probe", engine)}", max-memory-mb = 128 }\n\n` +
        `[serve.routes]\n"GET /probe" = "probe"\n`,
      "workers = 1",
    ),
  );
  const probe = prober(rusm);

  it("in sequence, 50 at once, and after a request grew its memory: always as built", async () => {
    const before = await rusm.exits();
    for (let i = 0; i < 20; i++) expect(await probe()).toBe(TS_FRESH);
    const bodies = await Promise.all(Array.from({ length: 50 }, () => probe()));
    expect(bodies).toEqual(Array.from({ length: 50 }, () => TS_FRESH));
    for (let i = 0; i < 5; i++) {
      expect(await probe("/probe?grow")).toBe(TS_FRESH);
      expect(await probe()).toBe(TS_FRESH);
    }
    await expectExits(rusm, before, { normal: 80 });
    expect(await acquired(rusm, "pool")).toBeGreaterThan(0);
  });
});

function prober(rusm: Rusm): (path?: string) => Promise<string> {
  return async (path = "/probe") => {
    const res = await request(`${rusm.url}${path}`);
    expect(res.statusCode).toBe(200);
    return res.body.text();
  };
}
