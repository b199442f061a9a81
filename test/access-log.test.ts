/**
 * The access log (issue 21, point 1) through a real `rusm serve` with two worker threads: one
 * JSON line per request on stdout, written when the exchange ends, checked field by field for
 * a finite HTTP response, a 404, a trap, an SSE stream ended by its client's leaving, and a
 * WebSocket; off by default; `--access-log` turns it on as the config key does.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, rusmForSuite, startRusm, type Rusm } from "./helpers/rusm.ts";
import { openFeed } from "./helpers/clients.ts";
import { untilNoProcesses } from "./helpers/exits.ts";
import { openWs } from "./helpers/websocket.ts";

const ROUTES = `
[components]
hello = "${guest("http-hello")}"
feed = "${guest("sse-endless")}"
early = "${guest("http-trap-early")}"
w = "${guest("ws-wat")}"

[serve.routes]
"GET /hello/:name" = "hello"
"GET /feed" = "feed"
"GET /trap" = "early"
"GET /echo" = "wat#echo"
`;

type Line = Record<string, unknown>;

/** The access-log lines the server wrote on stdout so far. */
function accessLines(rusm: Rusm): Line[] {
  return rusm
    .stdout()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.log === "access");
}

/** Waits for the one line of `path`, and returns it. */
async function lineOf(rusm: Rusm, path: string): Promise<Line> {
  await rusm.until(`the access-log line of ${path}`, () =>
    accessLines(rusm).some((l) => l.path === path),
  );
  const lines = accessLines(rusm).filter((l) => l.path === path);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** The fields every line has, with a time and a process id of the right kind. */
function expectShape(line: Line, pid: "process" | "none"): void {
  expect(line.msg).toBe("request");
  expect(typeof line.ms).toBe("number");
  expect(line.ms as number).toBeGreaterThanOrEqual(0);
  if (pid === "process") {
    expect(Number.isInteger(line.pid) && (line.pid as number) > 0).toBe(true);
  } else {
    expect(line.pid).toBeNull();
    expect(line.exit).toBeNull();
  }
}

describe("access log: [serve] access-log = true, two workers", () => {
  const rusm = rusmForSuite(routes(ROUTES, "workers = 2\naccess-log = true"));

  it("a finite response: method, path without query, route pattern, status, body bytes, exit normal", async () => {
    const res = await request(`${rusm.url}/hello/ann?x=1`);
    const body = await res.body.text();
    const line = await lineOf(rusm, "/hello/ann");
    expectShape(line, "process");
    expect(line).toMatchObject({
      method: "GET",
      path: "/hello/ann",
      route: "GET /hello/:name",
      status: 200,
      bytes: Buffer.byteLength(body),
      exit: "normal",
    });
  });

  it("no route: a 404 with its body bytes, no process", async () => {
    const res = await request(`${rusm.url}/nowhere`);
    const body = await res.body.text();
    const line = await lineOf(rusm, "/nowhere");
    expectShape(line, "none");
    expect(line).toMatchObject({
      route: "(none)",
      status: 404,
      bytes: Buffer.byteLength(body),
    });
  });

  it("a trap before the head: 500, exit trap", async () => {
    const res = await request(`${rusm.url}/trap`);
    const body = await res.body.text();
    expect(res.statusCode).toBe(500);
    const line = await lineOf(rusm, "/trap");
    expectShape(line, "process");
    expect(line).toMatchObject({
      route: "GET /trap",
      status: 500,
      bytes: Buffer.byteLength(body),
      exit: "trap",
    });
  });

  it("an SSE stream its client leaves: written at the end, exit disconnected, the bytes streamed", async () => {
    const feed = openFeed(`${rusm.url}/feed`);
    await rusm.until("20 events", () => feed.events.length >= 20);
    // Still streaming: no line yet (it is written when the exchange ends).
    expect(accessLines(rusm).filter((l) => l.path === "/feed")).toEqual([]);
    feed.close();
    const line = await lineOf(rusm, "/feed");
    expectShape(line, "process");
    expect(line).toMatchObject({ route: "GET /feed", status: 200, exit: "disconnected" });
    // At least the events the client read, each `data: tick N\n\n`.
    expect(line.bytes as number).toBeGreaterThanOrEqual(20 * "data: tick 0\n\n".length);
    await untilNoProcesses(rusm);
  });

  it("a WebSocket: status 101, the bytes written on its socket, exit at close", async () => {
    const client = await openWs(`${rusm.url}/echo`);
    client.ws.send("hello there");
    await client.until(1);
    expect(accessLines(rusm).filter((l) => l.path === "/echo")).toEqual([]);
    client.ws.terminate();
    const line = await lineOf(rusm, "/echo");
    expectShape(line, "process");
    expect(line).toMatchObject({ route: "GET /echo", status: 101, exit: "disconnected" });
    // The 101 head, then the echoed frame.
    expect(line.bytes as number).toBeGreaterThan("hello there".length);
  });

  it("every line names a different process", () => {
    const pids = accessLines(rusm)
      .map((l) => l.pid)
      .filter((p) => p !== null);
    expect(new Set(pids).size).toBe(pids.length);
  });
});

describe("access log: the switch", () => {
  /** Serves one request on a one-worker rusm started with `args`; its access-log lines. */
  async function linesAfterOne(args: string[], expectLine: boolean): Promise<Line[]> {
    const rusm = await startRusm(routes(ROUTES, "workers = 1"), { args });
    try {
      const res = await request(`${rusm.url}/hello/bob`);
      await res.body.text();
      if (expectLine) await lineOf(rusm, "/hello/bob");
      // Its exit counted: had a line been written, it would be on its way to stdout.
      await untilNoProcesses(rusm);
      return accessLines(rusm);
    } finally {
      expect(await rusm.stop()).toBe(0);
    }
  }

  it("is off by default", { timeout: 180_000 }, async () => {
    expect(await linesAfterOne([], false)).toEqual([]);
  });

  it("--access-log turns it on", { timeout: 180_000 }, async () => {
    expect(await linesAfterOne(["--access-log"], true)).toHaveLength(1);
  });
});

describe("access log: a WebSocket handshake refused at max-in-flight", () => {
  const rusm = rusmForSuite(routes(ROUTES, "workers = 1\naccess-log = true\nmax-in-flight = 1"));

  it("is answered 503, counted in rusm_requests_total and logged with no process", async () => {
    const first = await openWs(`${rusm.url}/echo`);
    const refused = await openWs(`${rusm.url}/echo`).then(
      () => "opened",
      (err: Error) => err.message,
    );
    expect(refused).toBe("the handshake was answered 503");
    const line = await lineOf(rusm, "/echo");
    expectShape(line, "none");
    expect(line).toMatchObject({ route: "GET /echo", status: 503 });
    expect(await rusm.metric("rusm_requests_total", { route: "GET /echo", status: "503" })).toBe(1);
    first.ws.close();
    await untilNoProcesses(rusm);
  });
});
