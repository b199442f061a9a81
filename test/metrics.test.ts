/**
 * The admin listener and shutdown (issue 2, points 9 and 8):
 *
 * - GET /metrics is Prometheus text with `rusm_processes` (a live gauge),
 *   `rusm_process_exits_total` with every reason of every component exported at 0 from the
 *   start, both labelled by component (issue 21),
 *   `rusm_requests_total{route,status}` (unrouted requests under route `(none)`), and the
 *   `rusm_request_duration_seconds` histogram per route; any other admin path is 404, another
 *   method on /metrics 405.
 *
 * Shutdown (the drain on SIGTERM) is tested in drain.test.ts.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { EXIT_REASONS, guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { openFeed } from "./helpers/clients.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

const TOML = routes(`
[components]
hello = "${guest("http-hello")}"
endless = "${guest("sse-endless")}"

[serve.routes]
"GET /hello" = "hello"
"GET /feed" = "endless"
`);

describe("admin /metrics", () => {
  const rusm = rusmForSuite(TOML);

  it("exports every rusm metric, with every exit reason at 0, before any request", async () => {
    const res = await fetch(`${rusm.adminUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain("# TYPE rusm_processes gauge");
    expect(text).toContain("# TYPE rusm_processes_parked gauge");
    expect(text).toContain("# TYPE rusm_process_exits_total counter");
    for (const component of ["hello", "endless"]) {
      expect(text).toMatch(new RegExp(`^rusm_processes\\{component="${component}"\\} 0$`, "m"));
      expect(text).toMatch(
        new RegExp(`^rusm_processes_parked\\{component="${component}"\\} 0$`, "m"),
      );
      for (const reason of EXIT_REASONS) {
        expect(text).toMatch(
          new RegExp(
            `^rusm_process_exits_total\\{component="${component}",reason="${reason}"\\} 0$`,
            "m",
          ),
        );
      }
    }
    expect(text).toContain("# TYPE rusm_requests_total counter");
    expect(text).toContain("# TYPE rusm_request_duration_seconds histogram");
    expect(text).toContain("# TYPE rusm_body_buffered_bytes gauge");
    expect(text).toContain("# TYPE rusm_body_bytes_total counter");
  });

  it("counts requests by route and status, and observes their duration per route", async () => {
    for (let i = 0; i < 3; i++) await (await request(`${rusm.url}/hello`)).body.text();
    await (await request(`${rusm.url}/nope`)).body.dump();
    await (await request(`${rusm.url}/hello`, { method: "POST", body: "x" })).body.dump();

    await rusm.until(
      "3 requests counted on GET /hello",
      async () =>
        (await rusm.metric("rusm_requests_total", { route: "GET /hello", status: "200" })) === 3,
    );
    expect(await rusm.metric("rusm_requests_total", { route: "(none)", status: "404" })).toBe(1);
    expect(await rusm.metric("rusm_requests_total", { route: "(none)", status: "405" })).toBe(1);

    const route = { route: "GET /hello" };
    expect(await rusm.metric("rusm_request_duration_seconds_count", route)).toBe(3);
    expect(await rusm.metric("rusm_request_duration_seconds_sum", route)).toBeGreaterThan(0);
    expect(
      await rusm.metric("rusm_request_duration_seconds_bucket", { ...route, le: "+Inf" }),
    ).toBe(3);
    // Buckets are cumulative: never decreasing in `le`, ending at the count.
    const text = await rusm.metricsText();
    const buckets = [
      ...text.matchAll(
        /^rusm_request_duration_seconds_bucket\{le="([^"]+)",route="GET \/hello"\} (\d+)$/gm,
      ),
    ].map((m) => Number(m[2]));
    expect(buckets.length).toBeGreaterThan(1);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });

  it("rusm_processes follows a live stream up and back down, under its component", async () => {
    const before = await rusm.exits();
    const endless = { component: "endless" };
    const disconnected = { ...endless, reason: "disconnected" };
    const beforeEndless = await rusm.metric("rusm_process_exits_total", disconnected);
    const feed = openFeed(`${rusm.url}/feed`);
    try {
      await rusm.until(
        "a live stream",
        async () => feed.events.length > 0 && (await rusm.metric("rusm_processes")) === 1,
      );
      expect(await rusm.metric("rusm_processes", endless)).toBe(1);
      expect(await rusm.metric("rusm_processes", { component: "hello" })).toBe(0);
    } finally {
      feed.close();
    }
    await expectExits(rusm, before, { disconnected: 1 });
    expect(await rusm.metric("rusm_process_exits_total", disconnected)).toBe(beforeEndless + 1);
    await untilNoProcesses(rusm);
  });

  it("counts exits by component", async () => {
    const normal = (component: string) =>
      rusm.metric("rusm_process_exits_total", { component, reason: "normal" });
    const [hello, endless] = [await normal("hello"), await normal("endless")];
    for (let i = 0; i < 4; i++) await (await request(`${rusm.url}/hello`)).body.text();
    await rusm.until(
      "4 more normal exits of hello",
      async () => (await normal("hello")) === hello + 4,
    );
    expect(await normal("endless")).toBe(endless);
  });

  it("answers 404 on any other admin path and 405 for another method on /metrics", async () => {
    for (const path of ["/metric", "/metrics/x", "/healthzz"]) {
      const res = await fetch(`${rusm.adminUrl}${path}`);
      expect(res.status, path).toBe(404);
      await res.text();
    }
    const post = await fetch(`${rusm.adminUrl}/metrics`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    await post.text();
  });
});
