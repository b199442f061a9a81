/**
 * StarlingMonkey (componentize-js) TypeScript guests through a real `rusm serve`:
 *
 * - sse-ts-feed, the seed's TypeScript feed (a ReadableStream whose `pull` enqueues
 *   `data: tick N`): finite with `?n=5` (exact body, clean end, exit normal, read with fetch);
 *   endless through an EventSource (>= 20 events in order, close, the process exits
 *   `disconnected` and the count is back to baseline).
 * - http-echo: the incoming request as a JS guest sees it (method, path + query, headers, a
 *   streamed 1 MiB request body echoed intact; never `host` or `proxy-authorization`, while
 *   the URL keeps the authority), and its outgoing headers (`x-rusm-guest`).
 * - sm-throws: a handler that throws gets StarlingMonkey's own 500, whole (issue 14: it
 *   returns without finishing that body, and rusm truncated it).
 *
 * The first start transpiles both guests (~4 s each), later starts take them from the cache.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { readFile } from "node:fs/promises";
import { componentWit } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectReadThenLeave } from "./helpers/feeds.ts";
import { readBody, ticks } from "./helpers/clients.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

describe("StarlingMonkey guests (sse-ts-feed, http-echo, http-fetch-denied, sm-hello, sm-throws)", () => {
  const rusm = rusmForSuite(
    routes(`
[components]
feed = "${guest("sse-ts-feed")}"
# StarlingMonkey buffers a request body with a lot of garbage: measured, a 1 MiB echo grows
# its linear memory to ~75 MB (10 MB idle), so the default 64 MB cap is too small for it.
# (What rusm does when it runs out: see regression-sm-oom-exit.test.ts.)
echo = { path = "${guest("http-echo")}", max-memory-mb = 256 }
fetcher = "${guest("http-fetch-denied")}"
hello = "${guest("sm-hello")}"
throws = "${guest("sm-throws")}"

[serve.routes]
"GET /feed" = "feed"
"/echo/*" = "echo"
"GET /fetch" = "fetcher"
"GET /sm" = "hello"
"GET /throws" = "throws"
`),
  );

  it("sm-hello (the smallest JS guest, the bench's): 200 text/plain, its body, exit normal", async () => {
    const before = await rusm.exits();
    for (let i = 0; i < 3; i++) {
      const res = await request(`${rusm.url}/sm`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/plain");
      expect(await res.body.text()).toBe("hello from starlingmonkey\n");
    }
    await expectExits(rusm, before, { normal: 3 });
  });

  it("the guests mix wasi minor versions (http@0.2.10 beside io@0.2.12), and are served", async () => {
    const wit = await componentWit(await readFile(guest("sse-ts-feed")));
    expect(wit).toMatch(/import wasi:http\/types@0\.2\.10;/);
    expect(wit).toMatch(/import wasi:io\/streams@0\.2\.12;/);
    const res = await fetch(`${rusm.url}/feed?n=1`);
    expect(await res.text()).toBe("data: tick 0\n\n");
  });

  it("http-fetch-denied: an outgoing fetch() is denied (HTTP-request-denied), the guest answers 502", async () => {
    const before = await rusm.exits();
    const res = await fetch(`${rusm.url}/fetch`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/^denied: /);
    await expectExits(rusm, before, { normal: 1 });
  });

  it("sse-ts-feed ?n=5: exactly five events and a clean end (fetch), exit normal", async () => {
    const before = await rusm.exits();
    const res = await fetch(`${rusm.url}/feed?n=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    // text() resolves only on a clean end: the terminating chunk arrived.
    expect(await res.text()).toBe(
      ticks(5)
        .map((t) => `data: ${t}\n\n`)
        .join(""),
    );
    await expectExits(rusm, before, { normal: 1 });
    await untilNoProcesses(rusm);
  });

  it("sse-ts-feed endless: an EventSource gets >= 20 events in order; close ends the process", async () => {
    await expectReadThenLeave(rusm, `${rusm.url}/feed`, 20);
  });

  it("http-echo: method, path with query, headers and the x-rusm-guest response header", async () => {
    const res = await request(`${rusm.url}/echo/a%20b/c?x=1&y=two`, {
      method: "PUT",
      headers: { "x-test-one": "1", "x-test-two": "zwei", "content-type": "text/plain" },
      body: "small body",
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-rusm-guest"]).toBe("echo");
    const echo = (await res.body.json()) as Echo;
    expect(echo.method).toBe("PUT");
    expect(new URL(echo.url).pathname + new URL(echo.url).search).toBe("/echo/a%20b/c?x=1&y=two");
    expect(echo.headers["x-test-one"]).toBe("1");
    expect(echo.headers["x-test-two"]).toBe("zwei");
    expect(echo.headers["content-type"]).toBe("text/plain");
    expect(echo.body).toBe("small body");
  });

  it("http-echo: no host or proxy-authorization among the headers; the URL keeps the authority", async () => {
    const res = await request(`${rusm.url}/echo/who`, {
      headers: { "proxy-authorization": "Basic c2VjcmV0", "x-kept": "yes" },
    });
    const echo = (await res.body.json()) as Echo;
    expect(echo.headers["x-kept"]).toBe("yes");
    expect(echo.headers.host).toBeUndefined();
    expect(echo.headers["proxy-authorization"]).toBeUndefined();
    expect(new URL(echo.url).host).toBe(new URL(rusm.url).host);
  });

  it("sm-throws: StarlingMonkey's own 500 for a handler that throws arrives whole, exit normal", async () => {
    const before = await rusm.exits();
    const read = await readBody(`${rusm.url}/throws`);
    expect(read.status).toBe(500);
    expect(read.error, "the 500 body ends cleanly").toBeNull();
    await expectExits(rusm, before, { normal: 1 });
    await rusm.until("the guest's error on its stderr", () =>
      rusm.logs().some((l) => l.stream === "stderr" && /sm-throws: no answer/.test(String(l.msg))),
    );
  });

  it("http-echo: a streamed (chunked) 1 MiB request body arrives intact", async () => {
    const before = await rusm.exits();
    // 1 MiB of varied text in 64 KiB pieces, sent as a stream: no content-length, chunked.
    const piece = (i: number): string =>
      Array.from({ length: 4096 }, (_, j) => String.fromCharCode(97 + ((i * 7 + j) % 26)))
        .join("")
        .repeat(16);
    const pieces = Array.from({ length: 16 }, (_, i) => piece(i));
    const whole = pieces.join("");
    expect(whole.length).toBe(1024 * 1024);

    const res = await request(`${rusm.url}/echo/upload`, {
      method: "POST",
      body: Readable.from(pieces.map((p) => Buffer.from(p))),
    });
    expect(res.statusCode).toBe(200);
    const echo = (await res.body.json()) as Echo;
    expect(echo.method).toBe("POST");
    expect(
      echo.headers["transfer-encoding"],
      "hop-by-hop headers are not passed on",
    ).toBeUndefined();
    expect(echo.body.length).toBe(whole.length);
    expect(sha256(echo.body)).toBe(sha256(whole));
    await expectExits(rusm, before, { normal: 1 });
  });
});
