/**
 * @module test/helpers/sdk-rows
 * The lifecycle rows every guest-language SDK must pass, written once: each row is a name, the
 * path it requests, what the client does, the response it expects and the exits it ends with.
 * test/sdk-lifecycle.test.ts runs every row against every language's guests; what differs by
 * language (a handler's name, how a crash reads in the log) is that language's
 * {@link SdkLanguage} entry there. The guests serve the same handler names and routes:
 * `handlers` (api#feed, api#user, api#fields, api#boom, api#fails, a request-body action) and
 * `live` (live#news, live#tail, live#publish).
 */
import { expect } from "vitest";
import { request } from "undici";
import { openFeed, readBody, ticks } from "./clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./exits.ts";
import { expectBackPressure, expectReadThenLeave } from "./feeds.ts";
import { RawHttp, sseData } from "./raw-http.ts";
import { publish, untilSubscriptions } from "./broker.ts";
import { routes, type ExitCounts, type Rusm } from "./rusm.ts";

/** Every handlers component's body buffer (back-pressure's bound). */
export const BODY_BUFFER_KB = 16;

/** A log detail: a substring, or a pattern. */
export type Says = string | RegExp;

/** One build of a language's guests to run the rows on (TypeScript: one per engine). */
export interface SdkBuild {
  label: string;
  /** The `handlers` and `live` components: .wasm path and memory cap. */
  handlers: { path: string; memoryMb: number };
  live: { path: string; memoryMb: number };
}

/** What one language's guests say where languages differ. */
export interface SdkLanguage {
  builds: SdkBuild[];
  /** The request-body action (`POST /echo/:what`) and its reply to `POST /echo/soon` (5 bytes). */
  echo: { handler: string; reply: string };
  /** The handlers a trap names when `handlers` is routed by component name. */
  handlerList: string;
  /** What the exit log says when api#boom fails after 3 events (with its source position). */
  boom(build: SdkBuild): Promise<Says>;
  /** ... when api#fails fails before responding. */
  fails: Says;
  /** ... when live#tail's map fails on the message "boom". */
  liveCrash: Says;
  /** What the endless feed prints to stdout once its client left, if it prints anything. */
  left?: RegExp;
}

/** The routes file every language's build is served with. */
export function sdkToml(lang: SdkLanguage, build: SdkBuild): string {
  const { handlers, live } = build;
  return routes(`
[components]
handlers = { path = "${handlers.path}", max-memory-mb = ${handlers.memoryMb}, body-buffer-kb = ${BODY_BUFFER_KB} }
live = { path = "${live.path}", max-memory-mb = ${live.memoryMb} }

[serve.routes]
"GET /feed" = "api#feed"
"GET /users/:id" = "api#user"
"GET /users/:id/posts/:post" = "api#user"
"GET /fields" = "api#fields"
"GET /head" = "api#head"
"POST /echo/:what" = "api#${lang.echo.handler}"
"GET /boom" = "api#boom"
"GET /fails" = "api#fails"
"GET /by-name" = "handlers"
"GET /news" = "live#news"
"GET /live/:topic" = "live#tail"
"POST /publish/:topic" = "live#publish"
`);
}

/** What a row runs with. `exited()` asserts the row's {@link SdkRow.exits} (once). */
export interface RowContext {
  rusm: Rusm;
  lang: SdkLanguage;
  build: SdkBuild;
  exited: () => Promise<void>;
}

export interface SdkRow {
  name: string;
  /** The path the client requests first. */
  path: string;
  /** The exits the row ends with; asserted after `run` unless `run` called `exited()`. */
  exits?: Partial<ExitCounts>;
  /** What the client does, and the response it expects. */
  run(ctx: RowContext): Promise<void>;
}

const says = (s: Says): unknown =>
  typeof s === "string" ? expect.stringContaining(s) : expect.stringMatching(s);

const events = (n: number): string =>
  ticks(n)
    .map((t) => `data: ${t}\n\n`)
    .join("");

/** A body that must have ended without its last chunk, with `text` read before the cut. */
async function expectTruncated(rusm: Rusm, path: string, text: string): Promise<void> {
  const read = await readBody(`${rusm.url}${path}`);
  expect(read.status).toBe(200);
  expect(read.text).toBe(text);
  expect(read.error, "the chunked body must end without its last chunk").not.toBeNull();
}

export const SDK_ROWS: readonly SdkRow[] = [
  {
    name: "finite SSE action (?n=5): five events, a clean end, the SSE head, exit normal",
    path: "/feed?n=5",
    exits: { normal: 1 },
    async run({ rusm, exited }) {
      const res = await fetch(`${rusm.url}/feed?n=5`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      // text() resolves only on a clean end (the chunked body's last chunk arrived).
      expect(await res.text()).toBe(events(5));
      await exited();
      await untilNoProcesses(rusm);
    },
  },
  {
    name: "endless SSE action: >= 20 events; on disconnect sse.data returns false, the loop ends (exit disconnected)",
    path: "/feed",
    async run({ rusm, lang }) {
      // A loop that never saw false would be killed after the disconnect grace (`killed`).
      await expectReadThenLeave(rusm, `${rusm.url}/feed`, 20);
      if (lang.left === undefined) return;
      const said = rusm.logs().filter((l) => l.stream === "stdout" && l.component === "handlers");
      expect(said.map((l) => l.msg)).toContainEqual(expect.stringMatching(lang.left));
    },
  },
  {
    name: "back-pressure: a stalled reader parks the action in sse.data (bounded, idle CPU), then it resumes",
    path: "/feed?pad=4096",
    async run({ rusm }) {
      // ?pad=4096: a comment after each event, so the kernel's buffers fill in seconds.
      await expectBackPressure(rusm, "/feed?pad=4096", BODY_BUFFER_KB * 1024);
    },
  },
  {
    name: "params come from the route pattern (percent-decoded, in pattern order)",
    path: "/users/42",
    async run({ rusm }) {
      const one = await fetch(`${rusm.url}/users/42`);
      expect(one.status).toBe(200);
      expect(one.headers.get("content-type")).toBe("application/json");
      expect(await one.json()).toEqual({ id: "42", params: { id: "42" }, size: 1 });
      const two = await fetch(`${rusm.url}/users/a%20b/posts/7`);
      expect(await two.json()).toEqual({ id: "a b", params: { id: "a b", post: "7" }, size: 2 });
    },
  },
  {
    name: "every SSE field: event, comment, multi-line data, id, retry",
    path: "/fields",
    async run({ rusm }) {
      const res = await fetch(`${rusm.url}/fields`);
      expect(await res.text()).toBe(
        ": hello\n" +
          "event: greeting\ndata: line one\ndata: line two\n\n" +
          "id: 7\ndata: with id\n\n" +
          "event: config\nid: 8\nretry: 2500\ndata: {}\n\n",
      );
    },
  },
  {
    name: "the SSE head before the first event: a refusal is a real 403, CORS headers, its own cache-control",
    path: "/head",
    exits: { normal: 2, trap: 1 },
    async run({ rusm }) {
      const refused = await fetch(`${rusm.url}/head?status=403`);
      expect(refused.status).toBe(403);
      expect(refused.headers.get("x-refused")).toBe("yes");
      expect(refused.headers.get("content-type")).toBe("text/event-stream");
      expect(await refused.text()).toBe("");
      const cors = await fetch(`${rusm.url}/head`);
      expect(cors.status).toBe(200);
      expect(cors.headers.get("access-control-allow-origin")).toBe("*");
      expect(cors.headers.get("cache-control")).toBe("no-store");
      expect(await cors.text()).toBe("data: hello\n\n");
      // A status the head cannot have traps the process before it answers: a 500.
      expect((await fetch(`${rusm.url}/head?status=99`)).status).toBe(500);
      await untilNoProcesses(rusm);
    },
  },
  {
    name: "an HTTP action reads the request body",
    path: "/echo/soon",
    async run({ rusm, lang }) {
      const res = await request(`${rusm.url}/echo/soon`, { method: "POST", body: "12345" });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe(lang.echo.reply);
    },
  },
  {
    name: "a failure mid-stream: truncated body (3 events), exit trap, logged at its source line",
    path: "/boom",
    exits: { trap: 1 },
    async run({ rusm, lang, build, exited }) {
      await expectTruncated(rusm, "/boom", events(3));
      await exited();
      const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(says(await lang.boom(build)));
      await untilNoProcesses(rusm);
    },
  },
  {
    name: "a failure before responding: 500 naming the process, exit trap",
    path: "/fails",
    exits: { trap: 1 },
    async run({ rusm, lang, exited }) {
      const res = await fetch(`${rusm.url}/fails`);
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/the component ended \(trap\) before responding/);
      await exited();
      const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(says(lang.fails));
    },
  },
  {
    name: "routed by component name, a handlers-only component says which handlers to route (500, trap)",
    path: "/by-name",
    exits: { trap: 1 },
    async run({ rusm, lang, exited }) {
      const res = await fetch(`${rusm.url}/by-name`);
      expect(res.status).toBe(500);
      await exited();
      const logged = exitLogs(rusm, { component: "handlers", reason: "trap" });
      expect(logged.map((l) => l.detail)).toContainEqual(
        says(`route one of its handlers instead: ${lang.handlerList}`),
      );
    },
  },
  {
    name: "live: a publish reaches every `sse.run(hb, msg => msg)` subscriber",
    path: "/news?hb=60000",
    // Two subscribers that left, and the publisher's own process.
    exits: { disconnected: 2, normal: 1 },
    async run({ rusm }) {
      const feeds = [openFeed(`${rusm.url}/news?hb=60000`), openFeed(`${rusm.url}/news?hb=60000`)];
      await untilSubscriptions(rusm, "news", 2);
      const res = await fetch(`${rusm.url}/publish/news`, { method: "POST", body: "hello" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ delivered: 2 });
      await rusm.until("both feeds have the message", () =>
        feeds.every((f) => f.events.length === 1),
      );
      for (const feed of feeds) expect(feed.events).toEqual(["hello"]);
      for (const feed of feeds) feed.close();
      await untilSubscriptions(rusm, "news", 0);
    },
  },
  {
    name: "live: heartbeats, a ':' comment line each time the heartbeat passes with nothing",
    path: "/news?hb=100",
    exits: { disconnected: 1 },
    async run({ rusm }) {
      const client = await RawHttp.get(rusm.url, "/news?hb=100");
      await client.until("five heartbeats", (c) => c.body().data.split(":\n").length > 5, 10_000);
      expect(client.body().data).toMatch(/^(:\n)+$/);
      client.destroy();
    },
  },
  {
    name: "live: map sends an event with its fields, and skips a message it maps to none",
    path: "/live/t.*?hb=60000",
    exits: { disconnected: 1 },
    async run({ rusm }) {
      const client = await RawHttp.get(rusm.url, "/live/t.*?hb=60000");
      await untilSubscriptions(rusm, "t.*", 1);
      expect(await publish(rusm, "t.a", "skip")).toEqual({ delivered: 1 });
      expect(await publish(rusm, "t.b", "kept")).toEqual({ delivered: 1 });
      await client.until("one event", (c) => sseData(c.body().data).length === 1);
      expect(client.body().data).toBe("event: t.b\ndata: kept\n\n");
      client.destroy();
    },
  },
  {
    name: "live: a failure in a subscriber's map prunes its subscription: exit trap, truncated bodies",
    path: "/live/crash?hb=60000",
    exits: { trap: 3 },
    async run({ rusm, lang, exited }) {
      const clients = await Promise.all(
        [0, 1, 2].map(() => RawHttp.get(rusm.url, "/live/crash?hb=60000")),
      );
      await untilSubscriptions(rusm, "crash", 3);
      expect(await publish(rusm, "crash", "boom")).toEqual({ delivered: 3 });
      await exited();
      await untilSubscriptions(rusm, "crash", 0);
      expect(await publish(rusm, "crash", "anyone?")).toEqual({ delivered: 0 });
      for (const client of clients) {
        await client.until("the connection closed", (c) => c.closed);
        expect(client.body().complete).toBe(false);
      }
      const crashes = (): unknown[] =>
        exitLogs(rusm, { component: "live", reason: "trap" }).map((l) => l.detail);
      await rusm.until("three crash logs", () => crashes().length >= 3);
      expect(crashes()).toContainEqual(says(lang.liveCrash));
      await untilNoProcesses(rusm);
    },
  },
];

/** Runs one row: counts exits before it, and asserts its `exits` once it is done. */
export async function runRow(row: SdkRow, rusm: Rusm, lang: SdkLanguage, build: SdkBuild) {
  const before = await rusm.exits();
  let checked = false;
  const exited = async (): Promise<void> => {
    checked = true;
    if (row.exits !== undefined) await expectExits(rusm, before, row.exits);
  };
  await row.run({ rusm, lang, build, exited });
  if (!checked) await exited();
}
