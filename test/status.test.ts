/**
 * The status page's data and `rusm ps` (issue 21, point 2), against a real `rusm serve` with two
 * worker threads: live EventSource clients on two components (live-tail on two broker topics,
 * sse-endless), a parked stream (sse-endless under a stalled reader), a trap
 * (sse-trap-midstream). `GET /status.json` and `rusm ps` show them by component and route,
 * parked or running, with the exits by reason and the broker topics; once the clients close,
 * they are gone and counted as `disconnected`. With `[admin] token`, the status routes need it,
 * as a bearer header or `?token=`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { openFeed, readBody, type Feed } from "./helpers/clients.ts";
import { untilNoProcesses } from "./helpers/exits.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { guest, routes, rusmForSuite, runRusm, writeRoutes, type Rusm } from "./helpers/rusm.ts";

/** The parts of the snapshot this test reads (admin/status-snapshot.ts, pinned here). */
interface Snapshot {
  processes: { live: number; parked: number; running: number };
  routes: Array<{ component: string; route: string; parked: number; running: number }>;
  exitsByMinute: Array<{ start: string; exits: Record<string, number> }>;
  exitsTotal: Record<string, number>;
  top: Array<{ pid: number; worker: number; component: string; route: string; cpuMs: number }>;
  broker: { subscriptions: number; topics: Array<{ topic: string; subscribers: number }> };
  workers: Array<{ index: number; serving: boolean; answered: boolean; live: number }>;
  watchdogRestarts: Record<string, number>;
}

async function status(rusm: Rusm, query = ""): Promise<Snapshot> {
  const res = await fetch(`${rusm.adminUrl}/status.json${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Snapshot;
}

/** The processes of (component, route) in `s`, parked and running. */
function row(s: Snapshot, component: string, route: string): { parked: number; running: number } {
  const r = s.routes.find((x) => x.component === component && x.route === route);
  return { parked: r?.parked ?? 0, running: r?.running ?? 0 };
}

const inWindow = (s: Snapshot, reason: string): number =>
  s.exitsByMinute.reduce((n, m) => n + (m.exits[reason] ?? 0), 0);

describe("the status snapshot and rusm ps (2 workers, two components, a parked stream, a trap)", () => {
  const rusm = rusmForSuite(
    routes(
      `
[components]
tail = "${guest("live-tail")}"
endless = { path = "${guest("sse-endless")}", body-buffer-kb = 16 }
trap = "${guest("sse-trap-midstream")}"

[serve.routes]
"GET /tail/:topic" = "tail"
"GET /endless" = "endless"
"GET /trap" = "trap"
`,
      "workers = 2",
    ),
  );
  const feeds: Feed[] = [];
  let stalled: RawHttp | null = null;
  afterAll(() => {
    for (const feed of feeds) feed.close();
    stalled?.destroy();
  });

  it("shows each live process by component and route, parked, with the broker's topics", async () => {
    feeds.push(openFeed(`${rusm.url}/tail/news`), openFeed(`${rusm.url}/tail/sport`));
    // The endless feed under a reader that reads nothing: its channel fills and it parks.
    stalled = await RawHttp.get(rusm.url, "/endless");
    stalled.socket.pause();
    let s = await status(rusm);
    await rusm.until("3 live processes, the 2 tails and the stalled feed parked", async () => {
      s = await status(rusm);
      return (
        row(s, "tail", "GET /tail/:topic").parked === 2 &&
        row(s, "endless", "GET /endless").parked === 1
      );
    });
    expect(s.processes).toEqual({ live: 3, parked: 3, running: 0 });
    expect(row(s, "tail", "GET /tail/:topic")).toEqual({ parked: 2, running: 0 });
    expect(s.broker.subscriptions).toBe(2);
    expect(s.broker.topics).toEqual([
      { topic: "news", subscribers: 1 },
      { topic: "sport", subscribers: 1 },
    ]);
    // Every live process is among the top (3 < 10), the busiest first.
    expect(s.top.map((p) => p.component).sort()).toEqual(["endless", "tail", "tail"]);
    expect(s.top.map((p) => p.cpuMs)).toEqual([...s.top.map((p) => p.cpuMs)].sort((a, b) => b - a));
    expect(s.workers.map((w) => [w.index, w.serving, w.answered])).toEqual([
      [1, true, true],
      [2, true, true],
    ]);
    expect(s.workers.reduce((n, w) => n + w.live, 0)).toBe(3);
    expect(s.watchdogRestarts).toEqual({ cpu: 0, blocked: 0 });

    // The tails are live: a publish reaches both workers' subscribers of "news".
    const published = await fetch(`${rusm.adminUrl}/publish/news`, { method: "POST", body: "hi" });
    expect(await published.json()).toEqual({ delivered: 1 });
    await rusm.until("the news tail got the message", () => feeds[0]!.events.includes("hi"));
  });

  it("counts a trap in the exits by reason, in the window and in all", async () => {
    const before = (await status(rusm)).exitsTotal.trap ?? 0;
    const read = await readBody(`${rusm.url}/trap`);
    expect(read.error, "the trapped stream ends truncated").not.toBeNull();
    let s = await status(rusm);
    await rusm.until("the trap counted", async () => {
      s = await status(rusm);
      return s.exitsTotal.trap === before + 1;
    });
    expect(inWindow(s, "trap")).toBeGreaterThanOrEqual(1);
    expect(s.exitsByMinute).toHaveLength(5);
  });

  it("rusm ps --admin prints the same as tables", async () => {
    // The stalled feed may still be moving bytes into the kernel's socket buffers, running for
    // a moment between parks: asked until it shows parked.
    let ps = await runRusm(["ps", "--admin", rusm.adminUrl]);
    await rusm.until("rusm ps shows the 3 processes parked", async () => {
      ps = await runRusm(["ps", "--admin", rusm.adminUrl]);
      return ps.code !== 0 || /3 live processes, 3 parked, 0 running/.test(ps.stdout);
    });
    process.stdout.write(ps.stdout);
    expect(ps.stderr).toBe("");
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/3 live processes, 3 parked, 0 running/);
    expect(ps.stdout).toMatch(/^tail\s+GET \/tail\/:topic\s+2\s+0$/m);
    expect(ps.stdout).toMatch(/^endless\s+GET \/endless\s+1\s+0$/m);
    expect(ps.stdout).toMatch(/^news\s+1$/m);
    expect(ps.stdout).toMatch(/^total\s+\d+\s+\d+\s+1\s/m); // normal, disconnected, trap = 1
    expect(ps.stdout).toMatch(/^\s*1\s+yes\s+yes\s/m);

    const json = await runRusm(["ps", "--admin", rusm.adminUrl, "--json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Snapshot).processes.live).toBe(3);
  });

  it("closing the clients: the processes are gone, counted as disconnected", async () => {
    const before = (await status(rusm)).exitsTotal.disconnected ?? 0;
    for (const feed of feeds) feed.close();
    stalled?.destroy();
    await untilNoProcesses(rusm);
    let s = await status(rusm);
    await rusm.until("3 more disconnected exits", async () => {
      s = await status(rusm);
      return s.exitsTotal.disconnected === before + 3;
    });
    expect(s.processes).toEqual({ live: 0, parked: 0, running: 0 });
    expect(s.routes).toEqual([]);
    expect(s.top).toEqual([]);
    expect(s.broker).toEqual({ subscriptions: 0, topics: [] });
    expect(inWindow(s, "disconnected")).toBeGreaterThanOrEqual(3);

    const ps = await runRusm(["ps", "--admin", rusm.adminUrl]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/0 live processes/);
    expect(ps.stdout).toMatch(/PROCESSES BY COMPONENT AND ROUTE\n {2}\(none\)/);
  });

  it("streams the snapshot as status events (text/event-stream)", async () => {
    const res = await fetch(`${rusm.adminUrl}/status/events`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/^event: status$/gm) ?? []).length < 2) {
      const chunk = (await reader.read()) as { value?: Uint8Array };
      text += new TextDecoder().decode(chunk.value);
    }
    await reader.cancel();
    const data = /^event: status\ndata: (.*)$/m.exec(text)![1]!;
    expect((JSON.parse(data) as Snapshot).processes.live).toBe(0);
    // HEAD: the head only, no stream left open.
    const head = await fetch(`${rusm.adminUrl}/status/events`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-type")]).toEqual([200, "text/event-stream"]);
  });
});

describe("rusm ps when the admin listener cannot be reached", () => {
  it("rusm ps --help: its usage, options, the default admin URL and examples", async () => {
    const help = await runRusm(["ps", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: rusm ps [options] [routes.toml]");
    expect(help.stdout).toContain("--admin <url>");
    expect(help.stdout).toContain("--token <token>");
    expect(help.stdout).toContain("http://127.0.0.1:9464");
    expect(help.stdout).toContain("rusm ps routes.toml");
    expect((await runRusm(["ps", "--hlep"])).stderr).toMatch(/error\[RUSM_USAGE\] .*--help/);
  });

  it("exits 1 with RUSM_ADMIN_UNREACHABLE, naming the URL and what to do", async () => {
    // A port nothing listens on: one taken and released.
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    await new Promise((done) => server.close(done));
    const ps = await runRusm(["ps", "--admin", `http://127.0.0.1:${port}`]);
    expect(ps.code).toBe(1);
    expect(ps.stdout).toBe("");
    expect(ps.stderr).toContain(
      `rusm: error[RUSM_ADMIN_UNREACHABLE] cannot reach rusm's admin listener at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    expect(ps.stderr).toContain("hint: ");
  });
});

describe("rusm ps routes.toml: the admin address from [admin] listen", () => {
  const body = `[components]\ntail = "${guest("live-tail")}"\n[serve.routes]\n"GET /t/:topic" = "tail"\n`;

  it("asks the [admin] listen it names (nothing there: RUSM_ADMIN_UNREACHABLE at that URL)", async () => {
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    await new Promise((done) => server.close(done));
    const file = await writeRoutes(`[admin]\nlisten = "127.0.0.1:${port}"\n${body}`);
    const ps = await runRusm(["ps", file]);
    expect(ps.code).toBe(1);
    expect(ps.stderr).toContain(`admin listener at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it("refuses a file whose [admin] listen is port 0, or that has no [admin], saying what to give", async () => {
    const zero = await runRusm([
      "ps",
      await writeRoutes(`[admin]\nlisten = "127.0.0.1:0"\n${body}`),
    ]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/error\[RUSM_USAGE\] .*\[admin\] listen has port 0/);
    expect(zero.stderr).toContain("hint: give that address as --admin http://HOST:PORT");
    const none = await runRusm(["ps", await writeRoutes(body)]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/error\[RUSM_USAGE\] .* has no \[admin\] table/);
  });
});

describe("the status routes with [admin] token", () => {
  const TOKEN = "status-token-0123456789";
  const rusm = rusmForSuite(
    routes(`
[components]
tail = "${guest("live-tail")}"

[serve.routes]
"GET /tail/:topic" = "tail"
`).replace(/\[admin\]\n/, `[admin]\ntoken = "${TOKEN}"\n`),
  );

  it("answers 401 without the token, and takes it as a bearer header or ?token=", async () => {
    for (const path of ["/", "/status.json", "/status/events"]) {
      const res = await fetch(`${rusm.adminUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(await res.text()).toMatch(/\?token=/);
    }
    const wrong = await fetch(`${rusm.adminUrl}/status.json?token=not-the-token-at-all`);
    expect(wrong.status).toBe(401);
    expect((await status(rusm, `?token=${TOKEN}`)).processes.live).toBe(0);
    const page = await fetch(`${rusm.adminUrl}/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('new EventSource("status/events" + location.search)');
    const bearer = await fetch(`${rusm.adminUrl}/status.json`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);
    // /metrics stays open, as before.
    expect((await fetch(`${rusm.adminUrl}/metrics`)).status).toBe(200);
  });

  it("rusm ps needs it too: 401 without, tables with --token", async () => {
    const refused = await runRusm(["ps", "--admin", rusm.adminUrl]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error\[RUSM_ADMIN_UNREACHABLE\] .*answered 401/);
    const ps = await runRusm(["ps", "--admin", rusm.adminUrl, "--token", TOKEN]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/0 live processes/);
  });
});
