/**
 * `prewarm = N` on a real server: instances made ahead of requests are still fresh (mem-probe
 * finds `count=0 marker=fresh pages=3`, in sequence and at once), are bound to the process that
 * claims them (a StarlingMonkey guest echoes each request's own body; handler modules see their
 * own route params and print to their own process's stdout), and every process exits normal.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { expectReadThenLeave } from "./helpers/feeds.ts";
import { expectExits } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const FRESH = "count=0 marker=fresh pages=3\n";

/** Memories the component's pool has handed out so far (pooled or new). */
async function acquired(rusm: Rusm, component: string): Promise<number> {
  return rusm.metric("rusm_pool_acquired_total", { component });
}

describe("prewarm = 3 on a lean WAT guest (mem-probe)", () => {
  // One worker thread: prewarm (like the pool) is per worker, and the counts below are one's.
  const rusm = rusmForSuite(
    routes(
      `[components]\nprobe = { path = "${guest("mem-probe")}", prewarm = 3 }\n\n` +
        `[serve.routes]\n"GET /probe" = "probe"\n`,
      "workers = 1",
    ),
  );
  const probe = async (): Promise<string> => {
    const res = await request(`${rusm.url}/probe`);
    expect(res.statusCode).toBe(200);
    return res.body.text();
  };

  it("makes its 3 instances before any request (each holds a memory)", async () => {
    await rusm.until("3 prewarmed instances", async () => (await acquired(rusm, "probe")) === 3);
    expect(await rusm.metric("rusm_processes")).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(await acquired(rusm, "probe")).toBe(3);
  });

  it("20 sequential requests each find a fresh instance and memory; exits normal", async () => {
    const before = await rusm.exits();
    for (let i = 0; i < 20; i++) expect(await probe()).toBe(FRESH);
    await expectExits(rusm, before, { normal: 20 });
  });

  it("20 concurrent requests each find a fresh instance and memory; exits normal", async () => {
    const before = await rusm.exits();
    await new Promise((r) => setTimeout(r, 100)); // let the stock refill
    const bodies = await Promise.all(Array.from({ length: 20 }, () => probe()));
    expect(bodies).toEqual(Array.from({ length: 20 }, () => FRESH));
    await expectExits(rusm, before, { normal: 20 });
  });

  it("the stock is refilled after the requests", async () => {
    const served = 40;
    await rusm.until(
      "3 instances in stock again",
      async () => (await acquired(rusm, "probe")) === served + 3,
    );
  });
});

describe("prewarm = 2 on a StarlingMonkey guest (http-echo)", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]\necho = { path = "${guest("http-echo")}", max-memory-mb = 128, prewarm = 2 }\n\n` +
        `[serve.routes]\n"/echo/*" = "echo"\n`,
    ),
  );
  const echo = async (body: string, path = "/echo/x"): Promise<Record<string, unknown>> => {
    const res = await request(`${rusm.url}${path}`, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-n": path },
      body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-rusm-guest"]).toBe("echo");
    return (await res.body.json()) as Record<string, unknown>;
  };

  it("echoes each POST's own body, in sequence; exits normal", async () => {
    await rusm.until("2 prewarmed instances", async () => (await acquired(rusm, "echo")) >= 2);
    const before = await rusm.exits();
    for (let i = 0; i < 6; i++) {
      const body = `body number ${i} ${"é".repeat(i * 100)}`;
      const got = await echo(body, `/echo/seq/${i}?i=${i}`);
      expect(got.body).toBe(body);
      expect(got.method).toBe("POST");
      expect(new URL(got.url as string).pathname).toBe(`/echo/seq/${i}`);
      expect((got.headers as Record<string, string>)["x-n"]).toBe(`/echo/seq/${i}?i=${i}`);
    }
    await expectExits(rusm, before, { normal: 6 });
  });

  it("echoes each POST's own body, 6 at once; exits normal", async () => {
    await new Promise((r) => setTimeout(r, 300)); // let the stock refill
    const before = await rusm.exits();
    const got = await Promise.all(
      Array.from({ length: 6 }, (_, i) => echo(`concurrent ${i}`, `/echo/c/${i}`)),
    );
    expect(got.map((g) => g.body)).toEqual(Array.from({ length: 6 }, (_, i) => `concurrent ${i}`));
    await expectExits(rusm, before, { normal: 6 });
  });
});

describe("prewarm = 2 on handler modules (ts-handlers)", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]\nhandlers = { path = "${guest("ts-handlers")}", max-memory-mb = 128, prewarm = 2 }\n\n` +
        `[serve.routes]\n"GET /users/:id" = "api#user"\n"GET /feed" = "api#feed"\n`,
    ),
  );

  /** Waits until the stock is full: memories acquired stop changing for 200 ms. */
  const settled = async (): Promise<number> => {
    let last = -1;
    for (;;) {
      const now = await acquired(rusm, "handlers");
      if (now === last) return now;
      last = now;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it("a prewarmed instance sees its own process's route params", async () => {
    await rusm.until("2 prewarmed instances", async () => (await acquired(rusm, "handlers")) >= 2);
    for (const id of ["1", "22", "a b"]) {
      const stocked = await settled();
      const res = await fetch(`${rusm.url}/users/${encodeURIComponent(id)}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id, params: { id }, size: 1 });
      // The process took a stocked instance: no memory was acquired for it on the way.
      expect(await acquired(rusm, "handlers")).toBeLessThanOrEqual(stocked + 1);
    }
  });

  it("a prewarmed instance prints to its own process's stdout (logged for the component)", async () => {
    await settled();
    await expectReadThenLeave(rusm, `${rusm.url}/feed`, 5);
    await rusm.until("the guest's stdout line", () =>
      rusm
        .logs()
        .some(
          (l) =>
            l.stream === "stdout" &&
            l.component === "handlers" &&
            typeof l.msg === "string" &&
            l.msg.startsWith("feed: sse.data returned false"),
        ),
    );
  });
});
