/**
 * rusm serve end to end with the smallest guest: a routed request gets a fresh process, an
 * unrouted path 404, a known path under another method 405 with Allow, and every process is
 * counted when it exits.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";

describe("rusm serve: routing and a WAT hello guest (http-hello)", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]\nhello = "${guest("http-hello")}"\n\n[serve.routes]\n"GET /hello" = "hello"\n`,
    ),
  );

  it("serves the guest's response, chunked", async () => {
    const res = await request(`${rusm.url}/hello`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain");
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(await res.body.text()).toBe("hello from wat\n");
  });

  it("gives each request its own process and counts its exit as normal", async () => {
    const before = await rusm.metric("rusm_process_exits_total", { reason: "normal" });
    await Promise.all(
      Array.from({ length: 20 }, async () => (await request(`${rusm.url}/hello`)).body.text()),
    );
    await rusm.until(
      "20 more normal exits",
      async () =>
        (await rusm.metric("rusm_process_exits_total", { reason: "normal" })) === before + 20,
    );
    expect(await rusm.metric("rusm_processes")).toBe(0);
    expect(
      await rusm.metric("rusm_requests_total", { route: "GET /hello", status: "200" }),
    ).toBeGreaterThanOrEqual(21);
  });

  it("answers 404 for a path no route matches", async () => {
    const res = await request(`${rusm.url}/nope`);
    expect(res.statusCode).toBe(404);
    expect(await res.body.text()).toContain("no route for GET /nope");
  });

  it("answers 405 with Allow for a path served under another method", async () => {
    const res = await request(`${rusm.url}/hello`, { method: "POST", body: "x" });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
    await res.body.dump();
  });
});
