/**
 * wasi:http conformance with the reference host (issue 14, point 1): what a component meets on
 * rusm is what it meets under `wasmtime serve`. Every case runs twice, on a server that takes
 * rusm's lean ABI for these single-module WAT guests and on one forced onto jco's glue
 * (`RUSM_ABI=jco`), since each path lowers the host's answers itself.
 *
 * - Forbidden headers (http-header-rules): a guest never sees wasmtime's
 *   `DEFAULT_FORBIDDEN_HEADERS` on a request (`host`, `proxy-authorization`, `connection`, ...;
 *   the authority stays in `incoming-request.authority`) and gets `header-error.forbidden` when
 *   it sets one; a value with a control byte is `invalid-syntax` (Node's own rule).
 *   Before: `host` and `proxy-authorization` were seen, and `host`, `proxy-authenticate` and
 *   `proxy-authorization` could be set.
 * - content-length (http-content-length): the guest's length goes out (no chunking); a write
 *   past it fails with `HTTP-response-body-size`, and so does a finish short of it; a body of
 *   another length never arrives complete. Before: dropped, and the body went out chunked and
 *   complete whatever its length.
 * - 1xx (http-status-1xx): answered 500 and logged, the next pipelined request gets its own
 *   answer. Before: the 103 went out as the final response and the connection desynchronised.
 * - HEAD on an endless feed (sse-endless), 204 and 304 (http-no-body): the head at once, no
 *   body framing, the guest's writes `closed`, the server idle. Before: no head ever came and
 *   the guest spun at full CPU.
 * - A body left unfinished when the handler returns (sse-unfinished) ends cleanly; one dropped
 *   unfinished (sse-dropped-body) is aborted, as wasmtime's `outgoing-body` drop. Before: both
 *   truncated (the first one wrongly), the second counted `disconnected`.
 */
import { describe, expect, it } from "vitest";
import { connect } from "node:net";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { IDLE_CPU_MS_PER_S, cpuOver, expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]
headers = "${guest("http-header-rules")}"
cl = "${guest("http-content-length")}"
info = "${guest("http-status-1xx")}"
nobody = "${guest("http-no-body")}"
endless = "${guest("sse-endless")}"
hello = "${guest("http-hello")}"
unfinished = "${guest("sse-unfinished")}"
dropped = "${guest("sse-dropped-body")}"

[serve.routes]
"GET /headers" = "headers"
"GET /cl/:case" = "cl"
"GET /info" = "info"
"GET /nobody/:status" = "nobody"
"GET /endless" = "endless"
"GET /hello" = "hello"
"GET /unfinished" = "unfinished"
"GET /dropped" = "dropped"
`,
  "workers = 1",
);

/** Sends `text` on a fresh connection and reads until the server closes it (or `ms` pass). */
async function rawExchange(rusm: Rusm, text: string, ms = 5000): Promise<string> {
  return (await rawSend(rusm, text, ms)).text;
}

/**
 * Sends `text` on a fresh connection; `closed` is whether the server closed it within `ms`
 * (well before its keep-alive timeout, 5 s).
 */
async function rawSend(
  rusm: Rusm,
  text: string,
  ms: number,
): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(rusm.url);
  const socket = connect({ host: hostname, port: Number(port) });
  let got = "";
  let closed = false;
  socket.on("data", (d: Buffer) => (got += d.toString("latin1")));
  socket.on("error", () => undefined);
  const ended = new Promise<void>((done) =>
    socket.on("close", () => {
      closed = true;
      done();
    }),
  );
  socket.write(text);
  await Promise.race([ended, new Promise((r) => setTimeout(r, ms))]);
  socket.destroy();
  return { text: got, closed };
}

/** The guest's stdout lines (logged with its pid) since `from` log lines. */
function stdoutLines(rusm: Rusm, from: number): string[] {
  return rusm
    .logs()
    .slice(from)
    .filter((l) => l.stream === "stdout")
    .map((l) => String(l.msg));
}

/** A GET on a raw socket, read until the server closes (connection: close). */
async function getClosed(rusm: Rusm, path: string, headers: Record<string, string> = {}) {
  const raw = await RawHttp.get(rusm.url, path, { connection: "close", ...headers });
  await raw.until("the server closes the connection", (r) => r.closed);
  return raw;
}

for (const abi of ["lean", "jco"] as const) {
  describe(`wasi:http like wasmtime serve (${abi === "lean" ? "lean ABI" : "jco's glue"})`, () => {
    const rusm = rusmForSuite(TOML, {
      env: abi === "jco" ? { RUSM_ABI: "jco", RUSM_LOG: "debug" } : { RUSM_LOG: "debug" },
    });

    it(`serves these guests through ${abi === "lean" ? "the lean ABI" : "jco's glue"}`, () => {
      const paths = rusm
        .logs()
        .filter((l) => l.component === "headers" || l.component === "cl")
        .map((l) => l.abi);
      expect(paths).toEqual([abi, abi]);
    });

    it("forbidden headers: not seen on the request, refused on the response; control bytes refused", async () => {
      const before = await rusm.exits();
      const raw = await getClosed(rusm, "/headers", {
        "Proxy-Authorization": "Basic c2VjcmV0",
        "X-Custom": "1",
        TE: "trailers",
        "Proxy-Connection": "keep-alive",
        "HTTP2-Settings": "AAMAAABkAAQAAP__",
      });
      const { port } = new URL(rusm.url);
      expect(raw.body().data).toBe(
        [
          `authority: 127.0.0.1:${port}`,
          "seen: x-custom",
          "seen: te",
          "host: forbidden",
          "proxy-authenticate: forbidden",
          "proxy-authorization: forbidden",
          "connection: forbidden",
          "keep-alive: forbidden",
          "proxy-connection: forbidden",
          "transfer-encoding: forbidden",
          "upgrade: forbidden",
          "http2-settings: forbidden",
          "te: ok",
          "x-ctl 0x01: invalid-syntax",
          "x-ctl 0x7f: invalid-syntax",
          "x-tab: ok",
          "x-obs-text: ok",
          "bad name: invalid-syntax",
          "",
        ].join("\n"),
      );
      const head = raw.head()!.toLowerCase();
      expect(head).toContain("\r\nte: trailers\r\n");
      expect(head).toContain("\r\nx-tab: a\tb\r\n");
      expect(raw.head()).toContain("\r\nx-obs-text: caf\xe9\r\n");
      expect(head).not.toMatch(/proxy-|x-ctl|upgrade|http2-settings|\r\nhost:/);
      await expectExits(rusm, before, { normal: 1 });
    });

    it("content-length: sent as declared (no chunking), the exact body complete, with or without finish", async () => {
      const before = await rusm.exits();
      for (const path of ["/cl/e", "/cl/x"]) {
        const raw = await getClosed(rusm, path);
        const head = raw.head()!.toLowerCase();
        expect(head, path).toContain("\r\ncontent-length: 8");
        expect(head, path).not.toContain("transfer-encoding");
        expect(raw.rawBody(), path).toBe("12345678");
      }
      // Kept alive and complete: a second request on the same connection is answered.
      const twice = await rawExchange(
        rusm,
        "GET /cl/e HTTP/1.1\r\nHost: x\r\n\r\nGET /cl/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      expect(twice.match(/\r\n\r\n12345678/g)).toHaveLength(2);
      await expectExits(rusm, before, { normal: 4 });
    });

    it("content-length: a write past it fails with HTTP-response-body-size, the body is cut", async () => {
      const before = await rusm.exits();
      const from = rusm.logs().length;
      const { text: got, closed } = await rawSend(
        rusm,
        "GET /cl/o HTTP/1.1\r\nHost: x\r\n\r\n",
        3000,
      );
      expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(got.toLowerCase()).toContain("\r\ncontent-length: 4\r\n");
      expect(got.endsWith("\r\n\r\n"), "not one body byte went out").toBe(true);
      expect(closed, "the kept-alive connection is cut at once").toBe(true);
      await rusm.until("the guest's three lines", () => stdoutLines(rusm, from).length >= 3);
      expect(stdoutLines(rusm, from)).toEqual([
        "write: last-operation-failed HTTP-response-body-size 8",
        "write: closed",
        "finish: HTTP-response-body-size 8",
      ]);
      await expectExits(rusm, before, { normal: 1 });
    });

    it("content-length: finish short of it fails with HTTP-response-body-size; short at the end, never complete", async () => {
      const before = await rusm.exits();
      const from = rusm.logs().length;
      for (const path of ["/cl/s", "/cl/r"]) {
        const { text: got, closed } = await rawSend(
          rusm,
          `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
          3000,
        );
        expect(got.toLowerCase(), path).toContain("\r\ncontent-length: 8\r\n");
        expect(got.endsWith("\r\n\r\n1234"), `${path}: 4 of 8 bytes`).toBe(true);
        expect(closed, `${path}: the kept-alive connection is cut at once`).toBe(true);
      }
      await rusm.until("the guest's lines", () => stdoutLines(rusm, from).length >= 3);
      expect(stdoutLines(rusm, from)).toEqual([
        "write: ok",
        "finish: HTTP-response-body-size 4",
        "write: ok",
      ]);
      await expectExits(rusm, before, { normal: 2 });
    });

    it("a 1xx status is answered 500 and logged; a pipelined request after it gets its own answer", async () => {
      const before = await rusm.exits();
      const got = await rawExchange(
        rusm,
        "GET /info HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      const answers = got.split(/(?=HTTP\/1\.1 )/);
      expect(answers).toHaveLength(2);
      expect(answers[0]).toMatch(/^HTTP\/1\.1 500 /);
      expect(answers[0]).toContain("status 103, which is informational (1xx)");
      expect(answers[0]).not.toContain("informational\n");
      expect(answers[1]).toMatch(/^HTTP\/1\.1 200 /);
      expect(answers[1]).toContain("hello from wat\n");
      await rusm.until("the log line", () =>
        rusm.logs().some((l) => l.msg === "response failed" && l.component === "info"),
      );
      const line = rusm.logs().find((l) => l.msg === "response failed" && l.component === "info");
      expect(line?.why).toMatch(/status 103.*not a final response: answered 500/);
      expect(line?.pid).toEqual(expect.any(Number));
      // set-status-code accepted 999 and 103 and refused 99 and 1000: the guest did not trap.
      await expectExits(rusm, before, { normal: 2 });
    });

    it("HEAD on an endless feed: its head at once, no body framing, the guest ends, the server idles", async () => {
      const before = await rusm.exits();
      const got = await rawExchange(
        rusm,
        "HEAD /endless HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      const answers = got.split(/(?=HTTP\/1\.1 )/);
      expect(answers).toHaveLength(2);
      expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
      expect(answers[0]).toContain("content-type: text/event-stream");
      expect(answers[0]).not.toMatch(/transfer-encoding|content-length/i);
      expect(answers[0]!.endsWith("\r\n\r\n"), "a head alone").toBe(true);
      expect(answers[1]).toContain("hello from wat\n");
      await expectExits(rusm, before, { normal: 2 });
      await untilNoProcesses(rusm);
      expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
    });

    it("204 and 304: the head at once with no body framing; the guest's first write is closed", async () => {
      const before = await rusm.exits();
      const from = rusm.logs().length;
      for (const status of [204, 304]) {
        const got = await rawExchange(
          rusm,
          `GET /nobody/${status} HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        );
        const answers = got.split(/(?=HTTP\/1\.1 )/);
        expect(answers, `${status}`).toHaveLength(2);
        expect(answers[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        expect(answers[0]).not.toMatch(/transfer-encoding|content-length/i);
        expect(answers[0]!.endsWith("\r\n\r\n")).toBe(true);
        expect(answers[1]).toContain("hello from wat\n");
      }
      await rusm.until("both guests' lines", () => stdoutLines(rusm, from).length >= 2);
      expect(stdoutLines(rusm, from)).toEqual(["writes: 0", "writes: 0"]);
      await expectExits(rusm, before, { normal: 4 });
      await untilNoProcesses(rusm);
      expect(await cpuOver(rusm, 1000)).toBeLessThan(IDLE_CPU_MS_PER_S);
    });

    it("a body left unfinished at return ends cleanly; one dropped unfinished is truncated", async () => {
      const before = await rusm.exits();
      const unfinished = await getClosed(rusm, "/unfinished");
      expect(sseData(unfinished.body().data)).toEqual(["tick 0", "tick 1", "tick 2"]);
      expect(unfinished.body().complete, "the terminating chunk").toBe(true);
      const dropped = await getClosed(rusm, "/dropped");
      expect(sseData(dropped.body().data)).toEqual(["tick 0", "tick 1", "tick 2"]);
      expect(dropped.body().complete, "no terminating chunk").toBe(false);
      await expectExits(rusm, before, { normal: 2 });
    });
  });
}

/**
 * The same rules for a component built the way wasm32-wasip1 toolchains build them (cargo
 * component, componentize-dotnet): several core modules (the guest's, the preview1 adapter,
 * jco's shims), so jco's glue serves it whatever RUSM_ABI says.
 */
describe("wasi:http like wasmtime serve (several core modules, wasip1-conformance)", () => {
  const rusm = rusmForSuite(
    routes(
      `[components]
wasip1 = "${guest("wasip1-conformance")}"
hello = "${guest("http-hello")}"

[serve.routes]
"GET /case/:c" = "wasip1"
"GET /hello" = "hello"
`,
      "workers = 1",
    ),
  );

  it("content-length honoured and the body ended cleanly though it returned unfinished; host refused; 1xx answered 500", async () => {
    const before = await rusm.exits();
    const from = rusm.logs().length;
    const declared = await getClosed(rusm, "/case/l");
    const [head, body] = declared.text().split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\ncontent-length: 8\r\n/i);
    expect(head).not.toMatch(/transfer-encoding/i);
    expect(body).toBe("12345678");
    const host = await getClosed(rusm, "/case/h");
    expect(host.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(host.text()).toContain("host: forbidden");
    const got = await rawExchange(
      rusm,
      `GET /case/i HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const answers = got.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(9, 12))).toEqual(["500", "200"]);
    expect(answers[1]).toContain("hello from wat\n");
    await rusm.until("the three cases' stdout lines", () => stdoutLines(rusm, from).length >= 3);
    expect(stdoutLines(rusm, from)).toEqual([
      "wasip1-conformance: case l",
      "wasip1-conformance: case h",
      "wasip1-conformance: case i",
    ]);
    await expectExits(rusm, before, { normal: 4 });
  });
});
