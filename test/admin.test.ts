/**
 * The admin listener's safety (issue 15, point 9): a non-loopback `[admin] listen` is refused
 * at startup unless `allow-public = true` (then one warning), and `[admin] token` is required by
 * `POST /publish` as a Bearer token, while `GET /metrics` stays open.
 */
import { describe, expect, it } from "vitest";
import { untilSubscriptions } from "./helpers/broker.ts";
import { openFeed } from "./helpers/clients.ts";
import { guest, runRusm, rusmForSuite, startRusm, writeRoutes } from "./helpers/rusm.ts";

const TOKEN = "3f9c2b7e6a1d4c8b9e0f1a2b3c4d5e6f";

/** A routes.toml serving a live tail, with `admin` as its [admin] table's lines. */
function withAdmin(admin: string): string {
  return `[serve]
listen = "127.0.0.1:0"
workers = 1

[admin]
${admin}

[components]
tail = "${guest("live-tail")}"

[serve.routes]
"GET /tail/:topic" = "tail"
`;
}

/** POST /publish/<topic> on admin with `headers`: the status, the JSON and the headers. */
async function post(adminUrl: string, topic: string, data: string, headers = {}) {
  const res = await fetch(`${adminUrl}/publish/${topic}`, { method: "POST", body: data, headers });
  const body: unknown = await res.json();
  return { status: res.status, body, headers: res.headers };
}

describe("[admin] token", () => {
  const rusm = rusmForSuite(withAdmin(`listen = "127.0.0.1:0"\ntoken = "${TOKEN}"`));

  it("POST /publish needs Authorization: Bearer <token>; 401 with a reason otherwise, nothing published", async () => {
    const feed = openFeed(`${rusm.url}/tail/guarded?hb=60000`);
    await untilSubscriptions(rusm, "guarded", 1);

    const none = await post(rusm.adminUrl, "guarded", "no header");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(`Bearer realm="rusm admin"`);
    expect(none.body).toEqual({
      error: "POST /publish needs an Authorization: Bearer <token> header ([admin] token)",
    });
    const basic = await post(rusm.adminUrl, "guarded", "basic", {
      authorization: `Basic ${Buffer.from(`rusm:${TOKEN}`).toString("base64")}`,
    });
    expect(basic.status).toBe(401);
    const wrong = await post(rusm.adminUrl, "guarded", "wrong", {
      authorization: `Bearer ${TOKEN.slice(0, -1)}0`,
    });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: "the bearer token does not match [admin] token" },
    });
    const longer = await post(rusm.adminUrl, "guarded", "longer", {
      authorization: `Bearer ${TOKEN}0`,
    });
    expect(longer.status).toBe(401);

    const right = await post(rusm.adminUrl, "guarded", "with the token", {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(right).toMatchObject({ status: 200, body: { delivered: 1 } });
    await rusm.until("the feed has the message", () => feed.events.length === 1);
    // Only the authorized message was published.
    expect(feed.events).toEqual(["with the token"]);
    expect(await rusm.metric("rusm_broker_published_total", { topic: "guarded" })).toBe(1);
    feed.close();
  });

  it("GET /metrics stays open without a token", async () => {
    const res = await fetch(`${rusm.adminUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^rusm_workers 1$/m);
  });
});

describe("[admin] listen on a non-loopback address", () => {
  it("is refused at startup, before anything listens, with the file:line and a hint", async () => {
    const file = await writeRoutes(withAdmin(`listen = "0.0.0.0:0"`));
    const run = await runRusm(["serve", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `error[RUSM_CONFIG_INVALID] ${file}:6:10: admin.listen is 0.0.0.0:0, not a loopback address: GET /metrics and POST /publish would be open to the network\n`,
    );
    expect(run.stderr).toMatch(
      /\n {2}hint: listen on 127\.0\.0\.1 or \[::1\] and reach it through a tunnel or proxy, or set allow-public = true in \[admin\]/,
    );
  });

  it("is served with allow-public = true, with one warning", async () => {
    // Every interface, for the time of this test; POST /publish is guarded by the token.
    const rusm = await startRusm(
      withAdmin(`listen = "0.0.0.0:0"\nallow-public = true\ntoken = "${TOKEN}"`),
    );
    try {
      expect((await fetch(`${rusm.adminUrl}/metrics`)).status).toBe(200);
      expect((await post(rusm.adminUrl, "t", "x")).status).toBe(401);
      const warnings = rusm.logs().filter((l) => String(l.msg).includes("non-loopback"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        level: 40,
        msg: "the admin listener is on a non-loopback address (allow-public = true): GET /metrics is open to anyone who can reach it, POST /publish and the status page need the [admin] token",
      });
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  });
});
