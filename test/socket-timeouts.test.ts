/**
 * Regression (issue 15, point 8): idle sockets were never closed. 100 connections that never
 * sent a byte were still open after 130 s: `requestTimeout = 0` and no idle timeout, so they
 * could pile up to the fd limit. Root cause: createHttpServer turned Node's request timeout off
 * (streams last as long as their connection) and set nothing for connections that are not
 * streaming anything.
 *
 * Now `[serve]` has three socket timeouts, here made small: `first-byte-timeout-ms` (a new
 * connection silent that long is closed), `headers-timeout-ms` (a request's whole head must
 * arrive by then: 408) and `keep-alive-timeout-ms` (idle between requests). None of them may cut
 * a live SSE stream, however long it stays quiet between events.
 */
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { publish, untilSubscriptions } from "./helpers/broker.ts";
import { sleep } from "./helpers/exits.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";

const FIRST_BYTE_MS = 500;
const HEADERS_MS = 1000;
const KEEP_ALIVE_MS = 1000;

const TOML = routes(
  `[components]\nhello = "${guest("http-hello")}"\ntail = "${guest("live-tail")}"\n\n` +
    `[serve.routes]\n"GET /hello" = "hello"\n"GET /tail/:topic" = "tail"\n`,
  `workers = 1\nfirst-byte-timeout-ms = ${FIRST_BYTE_MS}\nheaders-timeout-ms = ${HEADERS_MS}\n` +
    `keep-alive-timeout-ms = ${KEEP_ALIVE_MS}\n`,
);

/** A raw connection that records when the server closed it and what it sent. */
interface Conn {
  readonly socket: Socket;
  readonly openedAt: number;
  closedAt: number | null;
  text: string;
}

async function open(url: string): Promise<Conn> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((done, fail) => {
    socket.once("connect", done);
    socket.once("error", fail);
  });
  const conn: Conn = { socket, openedAt: Date.now(), closedAt: null, text: "" };
  socket.on("data", (d: Buffer) => (conn.text += d.toString("latin1")));
  socket.on("error", () => undefined);
  socket.on("close", () => (conn.closedAt = Date.now()));
  return conn;
}

async function untilClosed(conns: Conn[], what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (conns.some((c) => c.closedAt === null)) {
    if (Date.now() > deadline) {
      const open = conns.filter((c) => c.closedAt === null).length;
      throw new Error(`${open} of ${conns.length} connections still open: ${what}`);
    }
    await sleep(20);
  }
}

describe("socket timeouts ([serve] first-byte, headers, keep-alive)", () => {
  const rusm = rusmForSuite(TOML);

  it("100 connections that never send a byte are closed by first-byte-timeout-ms", async () => {
    const conns = await Promise.all(Array.from({ length: 100 }, () => open(rusm.url)));
    await untilClosed(conns, "silent connections");
    for (const c of conns) {
      // Closed for being silent, not answered: the first-byte timer (0.5 s) fires before the
      // headers deadline (1 s).
      expect(c.closedAt! - c.openedAt).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 50);
      expect(c.text).toBe("");
    }
  });

  it("a slow header sender (one byte every 100 ms) is cut at headers-timeout-ms with 408", async () => {
    const conn = await open(rusm.url);
    const head = `GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(40)}\r\n\r\n`;
    let sent = 0;
    while (conn.closedAt === null && sent < head.length) {
      conn.socket.write(head[sent++]!);
      await sleep(100);
    }
    await untilClosed([conn], "the slow header sender");
    expect(sent, "cut before the head was complete").toBeLessThan(head.length);
    expect(conn.closedAt! - conn.openedAt).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(conn.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("a kept-alive connection idle after its response is closed by keep-alive-timeout-ms", async () => {
    const conn = await open(rusm.url);
    conn.socket.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    await untilClosed([conn], "the idle keep-alive connection");
    expect(conn.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(conn.closedAt! - conn.openedAt).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
    expect(conn.text).toContain(`Keep-Alive: timeout=${KEEP_ALIVE_MS / 1000}`);
  });

  it("a live SSE stream quiet for longer than every timeout is not cut", async () => {
    const raw = await RawHttp.get(rusm.url, "/tail/quiet?hb=60000");
    try {
      await untilSubscriptions(rusm, "quiet", 1);
      // Each gap is longer than all three timeouts (and twice the headers deadline).
      for (const message of ["one", "two"]) {
        await sleep(2 * HEADERS_MS + 500);
        expect(raw.closed, `the stream is still open before "${message}"`).toBe(false);
        expect(await publish(rusm, "quiet", message)).toEqual({ delivered: 1 });
      }
      await raw.until("both messages", (r) => sseData(r.body().data).length === 2);
      expect(sseData(raw.body().data)).toEqual(["one", "two"]);
      expect(raw.closed).toBe(false);
    } finally {
      raw.destroy();
    }
  });
});
