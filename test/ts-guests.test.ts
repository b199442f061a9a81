/**
 * TypeScript guests built as `rusm build` builds them (issue 3), through a real `rusm serve`:
 * the plain wasi:http shape, ts-plain-feed (a default `handle` returning a ReadableStream),
 * routed by component name: a finite feed (exact body, clean end, exit `normal`), an endless
 * one (an EventSource, then a disconnect), an exception or `controller.error` mid-stream (a
 * truncated body, exit `trap`, the error logged); and ts-hello's declared content-length.
 *
 * The handler-module shape (ts-handlers: `fn(Request, Params, Sse)`, routed as
 * `module#function`) runs the SDK lifecycle rows every guest language shares:
 * test/sdk-lifecycle.test.ts.
 *
 * Every case runs on both engines `rusm build` has: StarlingMonkey and QuickJS (the guests'
 * `.qjs` builds). QuickJS's stack frames carry a line and no column.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { ENGINES, ROOT, guest, routes, rusmForSuite, type Engine } from "./helpers/rusm.ts";
import { expectReadThenLeave } from "./helpers/feeds.ts";
import { readBody, ticks } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./helpers/exits.ts";

const toml = (engine: Engine) =>
  routes(`
[components]
plain = { path = "${guest("ts-plain-feed", engine)}", max-memory-mb = 128 }
hello = "${guest("ts-hello", engine)}"

[serve.routes]
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

describe.each(ENGINES)("TypeScript guests on %s: the plain shape (ts-plain-feed)", (engine) => {
  const rusm = rusmForSuite(toml(engine));

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
});
