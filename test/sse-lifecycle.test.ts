/**
 * The SSE lifecycle table (shared/seed/sse-lifecycle.txt) as acceptance tests, one test per row,
 * against one real `rusm serve` with the WAT guests:
 *
 * | row                     | guest                 | client                      | expected exit  |
 * |-------------------------|-----------------------|-----------------------------|----------------|
 * | normal (finite feed)    | sse-finite            | undici + raw socket         | normal         |
 * | back-pressure           | sse-endless (16 KiB)  | raw socket, stalled/resumed | disconnected   |
 * | client disconnect       | sse-endless           | EventSource close()         | disconnected   |
 * | connection error        | sse-endless           | raw socket RST              | disconnected   |
 * | crash (trap) mid-stream | sse-trap-midstream    | undici + raw socket         | trap           |
 * | memory crash (OOM)      | mem-oom (4 MiB cap)   | undici + raw socket         | oom            |
 *
 * plus the other ways a handler ends its body: one that returns without finishing it
 * (sse-unfinished: the platform "closes the body when you return", a clean end, exit normal, as
 * under `wasmtime serve`), one that drops it unfinished and goes on (sse-dropped-body: aborted,
 * truncated, as wasmtime's `outgoing-body` drop; exit normal), and a trap before any response
 * (http-trap-early: 500 naming the process, exit trap).
 *
 * Every test asserts its exits as deltas of `rusm_process_exits_total{reason}` (exactly one
 * reason per process, every other reason unchanged) and ends with no live process, so the
 * tests of this file can share one server.
 */
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { RawHttp, sseData } from "./helpers/raw-http.ts";
import { expectBackPressure, expectReadThenLeave } from "./helpers/feeds.ts";
import { openFeed, readBody, ticks } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses, untilStalled } from "./helpers/exits.ts";

/** The endless feed's bounded channel (body-buffer-kb), small so that it fills fast. */
const BODY_BUFFER_KB = 16;

const TOML = routes(`
[components]
finite = "${guest("sse-finite")}"
endless = { path = "${guest("sse-endless")}", body-buffer-kb = ${BODY_BUFFER_KB} }
trap = "${guest("sse-trap-midstream")}"
oom = { path = "${guest("mem-oom")}", max-memory-mb = 4 }
unfinished = "${guest("sse-unfinished")}"
dropped = "${guest("sse-dropped-body")}"
early = "${guest("http-trap-early")}"

[serve.routes]
"GET /finite" = "finite"
"GET /endless" = "endless"
"GET /trap" = "trap"
"GET /oom" = "oom"
"GET /unfinished" = "unfinished"
"GET /dropped" = "dropped"
"GET /early" = "early"
`);

describe("SSE lifecycle (one test per row of the seed's table)", () => {
  const rusm = rusmForSuite(TOML);

  it("normal finite feed (sse-finite): 5 events, a clean chunked end, exit normal", async () => {
    const before = await rusm.exits();

    const read = await readBody(`${rusm.url}/finite`);
    expect(read.error, "undici reads the body to its end").toBeNull();
    expect(read.status).toBe(200);
    expect(read.headers["content-type"]).toBe("text/event-stream");
    expect(read.headers["transfer-encoding"]).toBe("chunked");
    expect(read.text).toBe(
      ticks(5)
        .map((t) => `data: ${t}\n\n`)
        .join(""),
    );

    // On the wire: the terminating zero-length chunk is there.
    const raw = await RawHttp.get(rusm.url, "/finite");
    try {
      await raw.until("the terminating chunk", (c) => c.body().complete);
      expect(sseData(raw.body().data)).toEqual(ticks(5));
    } finally {
      raw.destroy();
    }

    await expectExits(rusm, before, { normal: 2 });
    await untilNoProcesses(rusm);
  });

  it("back-pressure (sse-endless, stalled reader): parks, bounded buffers, idle CPU, resumes", async () => {
    await expectBackPressure(rusm, "/endless", BODY_BUFFER_KB * 1024);
  });

  it("client disconnect (EventSource close on sse-endless): exit disconnected, back to baseline", async () => {
    await expectReadThenLeave(rusm, `${rusm.url}/endless`, 5);
  });

  it("connection error mid-write (RST while the feed streams): same as a disconnect", async () => {
    // A reset is a socket error on the server, not a clean close; rusm treats both the same:
    // the guest's next write returns `closed`, it returns, and the exit is `disconnected`.
    const before = await rusm.exits();
    const client = await RawHttp.get(rusm.url, "/endless");
    await client.until("3 events", (c) => sseData(c.body().data).length >= 3);
    client.reset();

    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  it("connection error while parked (RST on a stalled feed): the parked write wakes with closed", async () => {
    // Were the parked write not woken, the process would only end when the disconnect grace
    // timer kills it, and the exit would be `killed`, not `disconnected`.
    const before = await rusm.exits();
    const client = await RawHttp.get(rusm.url, "/endless");
    await client.until("the response head", (c) => c.head() !== null);
    client.pause();
    await untilStalled(rusm);
    client.reset();

    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  describe("crash (trap) mid-stream (sse-trap-midstream)", () => {
    it("truncates the body after the 3 events: undici errors, no terminating chunk on the wire", async () => {
      const before = await rusm.exits();

      const read = await readBody(`${rusm.url}/trap`);
      expect(read.status).toBe(200);
      expect(read.headers["content-type"]).toBe("text/event-stream");
      expect(sseData(read.text)).toEqual(ticks(3));
      expect(read.error, "the truncated body rejects").not.toBeNull();
      expect(read.error?.code).toBe("UND_ERR_SOCKET");

      const raw = await RawHttp.get(rusm.url, "/trap");
      try {
        await raw.until("the server closes the connection", (c) => c.closed);
        expect(sseData(raw.body().data)).toEqual(ticks(3));
        expect(raw.body().complete, "no terminating chunk").toBe(false);
        expect(raw.rawBody()).not.toContain("0\r\n\r\n");
      } finally {
        raw.destroy();
      }

      await expectExits(rusm, before, { trap: 2 });
      await untilNoProcesses(rusm);
    });

    it("logs the trap as a JSON line with the reason, the process id and the trap", async () => {
      const seen = exitLogs(rusm, { component: "trap", reason: "trap" }).length;
      const before = await rusm.exits();
      await readBody(`${rusm.url}/trap`);
      await expectExits(rusm, before, { trap: 1 });

      await rusm.until(
        "the exit's log line",
        () => exitLogs(rusm, { component: "trap", reason: "trap" }).length > seen,
      );
      const lines = exitLogs(rusm, { component: "trap", reason: "trap" });
      expect(lines).toHaveLength(seen + 1);
      const line = lines.at(-1)!;
      expect(line.pid).toEqual(expect.any(Number));
      expect(line.detail).toMatch(/unreachable/);
    });

    it("affects only that connection: a stream opened before keeps receiving, the next request is served", async () => {
      const before = await rusm.exits();
      const bystander = openFeed(`${rusm.url}/endless`);
      try {
        await rusm.until("the bystander's first events", () => bystander.events.length >= 3);

        const crashed = await readBody(`${rusm.url}/trap`);
        expect(crashed.error).not.toBeNull();
        await rusm.until(
          "the trap is counted",
          async () =>
            (await rusm.metric("rusm_process_exits_total", { reason: "trap" })) === before.trap + 1,
        );

        const atCrash = bystander.events.length;
        await rusm.until(
          "the bystander receives more events",
          () => bystander.events.length >= atCrash + 10,
        );
        expect(bystander.errors, "the bystander's connection never dropped").toBe(0);
        expect(bystander.events).toEqual(ticks(bystander.events.length));

        // A fresh process serves the next request to the crashed route (and crashes the same way).
        const next = await readBody(`${rusm.url}/trap`);
        expect(next.status).toBe(200);
        expect(sseData(next.text)).toEqual(ticks(3));
        const finite = await readBody(`${rusm.url}/finite`);
        expect(finite.error).toBeNull();
        expect(sseData(finite.text)).toEqual(ticks(5));
      } finally {
        bystander.close();
      }
      await expectExits(rusm, before, { trap: 2, normal: 1, disconnected: 1 });
      await untilNoProcesses(rusm);
    });
  });

  it("memory crash (mem-oom, max-memory-mb = 4): truncated after `data: before`, exit oom, logged", async () => {
    const before = await rusm.exits();
    const seen = exitLogs(rusm, { component: "oom", reason: "oom" }).length;

    const read = await readBody(`${rusm.url}/oom`);
    expect(read.status).toBe(200);
    expect(read.text).toBe("data: before\n\n");
    expect(read.error?.code).toBe("UND_ERR_SOCKET");

    const raw = await RawHttp.get(rusm.url, "/oom");
    try {
      await raw.until("the server closes the connection", (c) => c.closed);
      expect(raw.body()).toEqual({ data: "data: before\n\n", complete: false });
    } finally {
      raw.destroy();
    }

    await expectExits(rusm, before, { oom: 2 });
    await rusm.until(
      "the exits' log lines",
      () => exitLogs(rusm, { component: "oom", reason: "oom" }).length >= seen + 2,
    );
    const lines = exitLogs(rusm, { component: "oom", reason: "oom" });
    expect(lines).toHaveLength(seen + 2);
    for (const line of lines.slice(seen)) expect(line.pid).toEqual(expect.any(Number));
    await untilNoProcesses(rusm);
  });

  // Issue 14: a process that returned without finishing its body got a truncated response,
  // where the seed's Normal row says the platform "closes the body when you return" and
  // wasmtime serve ends it cleanly.
  it("a handler that returns without finishing its body (sse-unfinished): a clean end, exit normal", async () => {
    const before = await rusm.exits();

    const read = await readBody(`${rusm.url}/unfinished`);
    expect(read.status).toBe(200);
    expect(read.error, "undici reads the body to its end").toBeNull();
    expect(sseData(read.text)).toEqual(ticks(3));

    const raw = await RawHttp.get(rusm.url, "/unfinished", { connection: "close" });
    try {
      await raw.until("the server closes the connection", (c) => c.closed);
      expect(sseData(raw.body().data)).toEqual(ticks(3));
      expect(raw.body().complete, "the terminating chunk").toBe(true);
    } finally {
      raw.destroy();
    }

    await expectExits(rusm, before, { normal: 2 });
    await untilNoProcesses(rusm);
  });

  it("a handler that drops its body unfinished and goes on (sse-dropped-body): truncated, exit normal", async () => {
    const before = await rusm.exits();

    const read = await readBody(`${rusm.url}/dropped`);
    expect(read.status).toBe(200);
    expect(sseData(read.text)).toEqual(ticks(3));
    expect(read.error?.code).toBe("UND_ERR_SOCKET");

    const raw = await RawHttp.get(rusm.url, "/dropped");
    try {
      await raw.until("the server closes the connection", (c) => c.closed);
      expect(sseData(raw.body().data)).toEqual(ticks(3));
      expect(raw.body().complete).toBe(false);
    } finally {
      raw.destroy();
    }

    await expectExits(rusm, before, { normal: 2 });
    await untilNoProcesses(rusm);
  });

  it("a trap before any response (http-trap-early): 500 naming the process, exit trap, logged", async () => {
    const before = await rusm.exits();

    const read = await readBody(`${rusm.url}/early`);
    expect(read.error).toBeNull();
    expect(read.status).toBe(500);
    const pid = /\(process (\d+)\)/.exec(read.text)?.[1];
    expect(read.text, "the 500 body names the process").toMatch(/trap.*\(process \d+\)/);

    await expectExits(rusm, before, { trap: 1 });
    await rusm.until("the exit's log line", () => exitLogs(rusm, { pid: Number(pid) }).length > 0);
    const lines = exitLogs(rusm, { pid: Number(pid), reason: "trap" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.component).toBe("early");
    await untilNoProcesses(rusm);
  });
});
