/**
 * rusm's own WASI imports, each through the WAT guest that exercises it, end to end:
 *
 * - wasi:io/streams permits and readiness (stream-permits): `check-write`, `write` up to the
 *   permit, `subscribe` + `block` at 0; the client gets exactly 1 MiB of `x`, exit normal.
 * - the permit is a hard limit (stream-overwrite): a write one byte past `check-write` traps,
 *   the body is truncated (the head was sent), exit trap, logged with the permit message.
 * - wasi:clocks + wasi:io/poll (clock-sleep): a 50 ms `subscribe-duration` pollable blocked on
 *   parks the process; it answers `slept`, exit normal (and concurrent sleepers all answer).
 * - wasi:cli stdout/stderr (cli-stdio): each line reaches the host log as a JSON line with the
 *   process id, the component and `stream`, and never the HTTP body.
 */
import { describe, expect, it } from "vitest";
import { request } from "undici";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { RawHttp } from "./helpers/raw-http.ts";
import { readBody } from "./helpers/clients.ts";
import { exitLogs, expectExits, untilNoProcesses } from "./helpers/exits.ts";

const MIB = 1024 * 1024;

describe("WASI imports through WAT guests", () => {
  const rusm = rusmForSuite(
    routes(`
[components]
permits = "${guest("stream-permits")}"
overwrite = "${guest("stream-overwrite")}"
sleep = "${guest("clock-sleep")}"
stdio = "${guest("cli-stdio")}"
exit = "${guest("cli-exit")}"

[serve.routes]
"GET /permits" = "permits"
"GET /overwrite" = "overwrite"
"GET /sleep" = "sleep"
"GET /stdio" = "stdio"
"GET /exit" = "exit"
`),
  );

  it("stream-permits: exactly 1 MiB of `x` through check-write/write/subscribe, exit normal", async () => {
    const before = await rusm.exits();
    const res = await request(`${rusm.url}/permits`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(body.length).toBe(MIB);
    expect(
      body.every((b) => b === 0x78),
      "every byte is `x`",
    ).toBe(true);
    await expectExits(rusm, before, { normal: 1 });
  });

  it("stream-overwrite: a write past the permit traps; truncated body, exit trap, logged", async () => {
    const before = await rusm.exits();
    const seen = exitLogs(rusm, { component: "overwrite" }).length;

    const read = await readBody(`${rusm.url}/overwrite`);
    expect(read.status, "the head went out before the write").toBe(200);
    expect(read.error?.code, "the body is truncated").toBe("UND_ERR_SOCKET");
    expect(read.text, "nothing of the oversized write got through").toBe("");

    const raw = await RawHttp.get(rusm.url, "/overwrite");
    try {
      await raw.until("the server closes the connection", (c) => c.closed);
      expect(raw.body()).toEqual({ data: "", complete: false });
    } finally {
      raw.destroy();
    }

    await expectExits(rusm, before, { trap: 2 });
    await rusm.until(
      "the exits' log lines",
      () => exitLogs(rusm, { component: "overwrite" }).length >= seen + 2,
    );
    for (const line of exitLogs(rusm, { component: "overwrite" }).slice(seen)) {
      expect(line.reason).toBe("trap");
      expect(line.pid).toEqual(expect.any(Number));
      expect(line.detail).toMatch(/exceeds the permit/);
    }
    await untilNoProcesses(rusm);
  });

  it("cli-exit: exit(err) ends the process there: truncated body, exit trap", async () => {
    const before = await rusm.exits();
    const read = await readBody(`${rusm.url}/exit`);
    expect(read.status).toBe(200);
    expect(read.text).toBe("data: tick 0\n\n");
    expect(read.error?.code, "the body is truncated").toBe("UND_ERR_SOCKET");
    await expectExits(rusm, before, { trap: 1 });
    await rusm.until("the exit's log line", () =>
      exitLogs(rusm, { component: "exit" }).some((l) => l.detail === "ProcessExit: exit(err)"),
    );
  });

  it("clock-sleep: blocks on a monotonic-clock pollable, answers `slept`, exit normal", async () => {
    const before = await rusm.exits();
    const res = await request(`${rusm.url}/sleep`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("slept\n");
    // Sleepers park side by side (JSPI): twenty at once all answer.
    const all = await Promise.all(
      Array.from({ length: 20 }, async () => (await request(`${rusm.url}/sleep`)).body.text()),
    );
    expect(all).toEqual(Array.from({ length: 20 }, () => "slept\n"));
    await expectExits(rusm, before, { normal: 21 });
  });

  it("cli-stdio: stdout and stderr lines are logged as JSON with the pid and stream, not in the body", async () => {
    const before = await rusm.exits();
    const res = await request(`${rusm.url}/stdio`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("ok\n");
    await expectExits(rusm, before, { normal: 1 });

    const lines = (): Array<Record<string, unknown>> =>
      rusm.logs().filter((l) => l.component === "stdio" && typeof l.stream === "string");
    await rusm.until("both stdio lines in the log", () => lines().length >= 2);
    const stdout = lines().find((l) => l.stream === "stdout");
    const stderr = lines().find((l) => l.stream === "stderr");
    expect(stdout?.msg).toBe("hello stdout");
    expect(stderr?.msg).toBe("hello stderr");
    expect(stdout?.pid).toEqual(expect.any(Number));
    expect(stderr?.pid, "both lines carry the same process id").toBe(stdout?.pid);

    // A second request is another process: its lines carry another pid.
    await (await request(`${rusm.url}/stdio`)).body.text();
    await rusm.until("the second process's lines", () => lines().length >= 4);
    const pids = new Set(lines().map((l) => l.pid));
    expect(pids.size).toBe(2);
    // The guest's stdout is captured, not passed through to the server's own stdout.
    expect(rusm.stdout()).not.toContain("hello");
  });
});
