/**
 * TypeScript guests built as `rusm build` builds them (issue 3), through a real `rusm serve`:
 *
 * - ts-handlers, the handler-module shape `fn(Request, Params, Sse)`, routed as
 *   `module#function` with params from the route pattern;
 * - ts-plain-feed, the plain wasi:http shape (a default `handle` returning a ReadableStream),
 *   routed by component name.
 *
 * Each shape: a finite feed (exact body, clean end, exit `normal`), an endless one (an
 * EventSource, then a disconnect: the process count returns to baseline, exit `disconnected`,
 * so the guest's loop ended by itself: `sse.data` returned false), and an exception mid-stream
 * (a truncated body, exit `trap`, the error logged). Plus back-pressure on `sse.data`: a
 * stalled reader parks the process (bounded buffers, idle CPU).
 *
 * Every case runs on both engines `rusm build` has: StarlingMonkey and QuickJS (the guests'
 * `.qjs` builds). QuickJS's stack frames carry a line and no column.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { ENGINES, ROOT, guest, routes, rusmForSuite, type Engine } from "./helpers/rusm.ts";
import { expectBackPressure, expectReadThenLeave } from "./helpers/feeds.ts";
import { readBody, ticks } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./helpers/exits.ts";

const BODY_BUFFER_KB = 16;

const toml = (engine: Engine) =>
  routes(`
[components]
# StarlingMonkey's engine needs ~10 MB at rest and grows in large steps.
handlers = { path = "${guest("ts-handlers", engine)}", max-memory-mb = 128, body-buffer-kb = ${BODY_BUFFER_KB} }
plain = { path = "${guest("ts-plain-feed", engine)}", max-memory-mb = 128 }
hello = "${guest("ts-hello", engine)}"

[serve.routes]
"GET /feed" = "api#feed"
"GET /users/:id" = "api#user"
"GET /users/:id/posts/:post" = "api#user"
"GET /fields" = "api#fields"
"GET /boom" = "api#boom"
"POST /later/:what" = "api#later"
"GET /fails" = "api#fails"
"GET /by-name" = "handlers"
"GET /ticks" = "plain"
"GET /hello" = "hello"
`);

/**
 * `guests/<name>/guest.ts:LINE:COL` of the first occurrence of `text`, as crash logs show it
 * (`:LINE` alone for QuickJS, whose frames have no column).
 */
async function sourcePosition(name: string, text: string, engine: Engine): Promise<string> {
  const file = join("guests", name, "guest.ts");
  const lines = (await readFile(join(ROOT, file), "utf8")).split("\n");
  const line = lines.findIndex((l) => l.includes(text));
  expect(line, `${text} in ${file}`).toBeGreaterThanOrEqual(0);
  if (engine === "quickjs") return `${file}:${line + 1}\n`;
  return `${file}:${line + 1}:${lines[line]!.indexOf(text) + 1}`;
}

const events = (n: number, from = 0): string =>
  ticks(n, from)
    .map((t) => `data: ${t}\n\n`)
    .join("");

describe.each(ENGINES)(
  "TypeScript guests on %s: handler modules (ts-handlers) and the plain shape (ts-plain-feed)",
  (engine) => {
    const rusm = rusmForSuite(toml(engine));

    describe("handler modules: api#…", () => {
      it("finite SSE action (?n=5): five events, a clean end, the SSE head, exit normal", async () => {
        const before = await rusm.exits();
        const res = await fetch(`${rusm.url}/feed?n=5`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/event-stream");
        expect(res.headers.get("cache-control")).toBe("no-cache");
        // text() resolves only on a clean end (the chunked body's last chunk arrived).
        expect(await res.text()).toBe(events(5));
        await expectExits(rusm, before, { normal: 1 });
        await untilNoProcesses(rusm);
      });

      it("endless SSE action: >= 20 events; on disconnect sse.data returns false and the loop ends", async () => {
        // `disconnected` is a normal return after the client left; a loop that never saw false
        // would be killed after the disconnect grace (`killed`).
        await expectReadThenLeave(rusm, `${rusm.url}/feed`, 20);
        const said = rusm.logs().filter((l) => l.stream === "stdout" && l.component === "handlers");
        expect(said.map((l) => l.msg)).toContainEqual(
          expect.stringMatching(/^feed: sse\.data returned false after \d+ events: client gone/),
        );
      });

      it("back-pressure: a stalled reader parks the action in sse.data (bounded, idle CPU), then it resumes", async () => {
        // ?pad=4096: a comment after each event, so the kernel's buffers fill in seconds.
        await expectBackPressure(rusm, "/feed?pad=4096", BODY_BUFFER_KB * 1024);
      });

      it("params come from the route pattern (percent-decoded, in pattern order)", async () => {
        const one = await fetch(`${rusm.url}/users/42`);
        expect(one.status).toBe(200);
        expect(await one.json()).toEqual({ id: "42", params: { id: "42" }, size: 1 });
        const two = await fetch(`${rusm.url}/users/a%20b/posts/7`);
        expect(await two.json()).toEqual({
          id: "a b",
          params: { id: "a b", post: "7" },
          size: 2,
        });
      });

      it("every SSE field: event, comment, multi-line data, id, retry", async () => {
        const res = await fetch(`${rusm.url}/fields`);
        expect(await res.text()).toBe(
          ": hello\n" +
            "event: greeting\ndata: line one\ndata: line two\n\n" +
            "id: 7\ndata: with id\n\n" +
            "event: config\nid: 8\nretry: 2500\ndata: {}\n\n",
        );
      });

      it("an async HTTP action reads the request body", async () => {
        const res = await request(`${rusm.url}/later/soon`, { method: "POST", body: "12345" });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe("later soon: 5 bytes\n");
      });

      it("an exception mid-stream: truncated body (3 events), exit trap, the error logged at its source line", async () => {
        const before = await rusm.exits();
        const read = await readBody(`${rusm.url}/boom`);
        expect(read.status).toBe(200);
        expect(read.text).toBe(events(3));
        expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
        await expectExits(rusm, before, { trap: 1 });
        const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
        const at = await sourcePosition("ts-handlers", 'new Error("boom after 3 events")', engine);
        expect(logged.map((l) => l.detail)).toContainEqual(
          expect.stringContaining(`api#boom threw Error: boom after 3 events\nboom@${at}`),
        );
        await untilNoProcesses(rusm);
      });

      it("an exception before responding: 500 naming the process, exit trap", async () => {
        const before = await rusm.exits();
        const res = await fetch(`${rusm.url}/fails`);
        expect(res.status).toBe(500);
        expect(await res.text()).toMatch(/the component ended \(trap\) before responding/);
        await expectExits(rusm, before, { trap: 1 });
        const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
        expect(logged.map((l) => l.detail)).toContainEqual(
          expect.stringContaining("api#fails threw TypeError: fails before responding"),
        );
      });

      it("routed by component name, a modules-only component says to route a handler (500, trap)", async () => {
        const before = await rusm.exits();
        const res = await fetch(`${rusm.url}/by-name`);
        expect(res.status).toBe(500);
        await expectExits(rusm, before, { trap: 1 });
        const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
        expect(logged.map((l) => l.detail)).toContainEqual(
          expect.stringContaining(
            "route one of its handlers instead: api#feed, api#every, api#deaf, api#user",
          ),
        );
      });
    });

    describe("the plain shape: export default function handle(request)", () => {
      it("finite (?n=5, the controller closes): five events, a clean end, exit normal", async () => {
        const before = await rusm.exits();
        const res = await fetch(`${rusm.url}/ticks?n=5`);
        expect(res.headers.get("content-type")).toBe("text/event-stream");
        expect(await res.text()).toBe(events(5));
        await expectExits(rusm, before, { normal: 1 });
      });

      it("endless: an EventSource gets >= 20 events; a disconnect ends the pulls", async () => {
        await expectReadThenLeave(rusm, `${rusm.url}/ticks`, 20);
      });

      it("an exception in pull (?fail=3): truncated body, exit trap, the error logged at its source line", async () => {
        const before = await rusm.exits();
        const read = await readBody(`${rusm.url}/ticks?fail=3`);
        expect(read.status).toBe(200);
        // What the guest enqueued before the throw may or may not have been written; never more.
        expect(events(3).startsWith(read.text)).toBe(true);
        expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
        await expectExits(rusm, before, { trap: 1 });
        const logged = exitLogs(rusm, { component: "plain", reason: "trap" });
        const at = await sourcePosition(
          "ts-plain-feed",
          "new Error(`pull failed at event ${n}`)",
          engine,
        );
        expect(logged.map((l) => l.detail)).toContainEqual(
          expect.stringContaining(
            `a ReadableStream's pull threw Error: pull failed at event 3\npull@${at}`,
          ),
        );
        await untilNoProcesses(rusm);
      });

      it("controller.error in pull (?error=2): truncated body, exit trap, the reason logged", async () => {
        const before = await rusm.exits();
        const read = await readBody(`${rusm.url}/ticks?error=2`);
        expect(events(2).startsWith(read.text)).toBe(true);
        expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
        await expectExits(rusm, before, { trap: 1 });
        const logged = exitLogs(rusm, { component: "plain", reason: "trap" });
        expect(logged.map((l) => l.detail)).toContainEqual(
          expect.stringContaining(
            "a ReadableStream was errored (controller.error) with RangeError: errored at event 2",
          ),
        );
        await untilNoProcesses(rusm);
      });

      it("a declared content-length goes out as declared, not chunked (ts-hello, the hello bench's guest)", async () => {
        const before = await rusm.exits();
        const res = await request(`${rusm.url}/hello`);
        expect(res.statusCode).toBe(200);
        expect(res.headers["content-length"]).toBe("22");
        expect(res.headers["transfer-encoding"]).toBeUndefined();
        expect(await res.body.text()).toBe("hello from typescript\n");
        await expectExits(rusm, before, { normal: 1 });
      });
    });
  },
);
