/**
 * The admin probes (issue 21, point 1) on a real `rusm serve` with two worker threads:
 * `/healthz` answers 200 from the start; `/readyz` answers 503 (`starting`, saying which workers
 * still load) from the moment the admin listener is up, while a slow component (StarlingMonkey)
 * loads, then 200 once every worker listens; 503 again (`draining`) while a SIGTERM drains a
 * finite request. Neither needs the admin token.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import {
  BIN,
  ROOT,
  guest,
  routes,
  startRusm,
  writeRoutes,
  removeTempDirs,
} from "./helpers/rusm.ts";
import { listeningAddresses, metricSum, scrape } from "../host/testing/index.ts";
import { sleep } from "./helpers/exits.ts";

interface Probe {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function readyz(adminUrl: string): Promise<Probe> {
  const res = await request(`${adminUrl}/readyz`, { reset: true });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

async function healthz(adminUrl: string): Promise<number> {
  const res = await request(`${adminUrl}/healthz`, { reset: true });
  await res.body.text();
  return res.statusCode;
}

/** Polls until `check` holds; throws with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("/healthz and /readyz on the admin listener", () => {
  it("readyz: 503 while a slow component loads, 200 once every worker listens, 503 during the drain", async () => {
    const TOKEN = "0123456789abcdef0123456789abcdef";
    const file = await writeRoutes(
      routes(
        `
[components]
sm = { path = "${guest("sm-hello")}", max-memory-mb = 128 }
echo = "${guest("http-echo")}"

[serve.routes]
"GET /sm" = "sm"
"POST /echo" = "echo"
`,
        "workers = 2\ndrain-ms = 60000",
      ).replace(
        '[admin]\nlisten = "127.0.0.1:0"',
        `[admin]\nlisten = "127.0.0.1:0"\ntoken = "${TOKEN}"`,
      ),
    );
    const child = spawn(process.execPath, [BIN, "serve", file], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", done));
    try {
      await until("the admin listening line", () => /rusm admin listening on/.test(out));
      const adminUrl = /rusm admin listening on (http:\/\/\S+)/.exec(out)![1]!;

      // Starting: the admin listener answers before the public one listens.
      const probes: Probe[] = [];
      const health: number[] = [];
      while (listeningAddresses(out) === null) {
        probes.push(await readyz(adminUrl));
        health.push(await healthz(adminUrl));
        if (probes.length > 10_000) throw new Error(`rusm never listened:\n${err}`);
      }
      expect(probes.length, "probes answered before the public listener").toBeGreaterThan(0);
      expect(probes[0]).toMatchObject({
        status: 503,
        body: { ready: false, state: "starting", workers: { expected: 2 } },
      });
      expect((probes[0]!.body.waiting as string[]).join("\n")).toMatch(
        /^worker 1: loading sm, echo$/m,
      );
      expect(health.every((s) => s === 200)).toBe(true);

      // Serving: 200, without the admin token (the listener has one, for /publish).
      const ready = await readyz(adminUrl);
      expect(ready).toEqual({
        status: 200,
        body: {
          ready: true,
          state: "serving",
          workers: { expected: 2, listening: 2 },
          components: ["sm", "echo"],
          waiting: [],
        },
      });
      const { url } = listeningAddresses(out)!;

      // Draining: a finite request (its body not all sent) holds the drain open.
      const socket = connect(Number(new URL(url).port), "127.0.0.1");
      await new Promise((done) => socket.once("connect", done));
      socket.write("POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nab");
      const answer = new Promise<string>((done) => {
        let text = "";
        socket.on("data", (d: Buffer) => (text += d.toString()));
        socket.on("close", () => done(text));
      });
      for (let live = 0; live < 1; await sleep(20)) {
        live = metricSum(await scrape(adminUrl), "rusm_processes");
      }
      child.kill("SIGTERM");
      let draining: Probe | null = null;
      const deadline = Date.now() + 30_000;
      while (draining === null && Date.now() < deadline) {
        const probe = await readyz(adminUrl);
        if (probe.status === 503) draining = probe;
        else await sleep(20);
      }
      expect(draining).toMatchObject({
        status: 503,
        body: { ready: false, state: "draining" },
      });
      expect((draining!.body.waiting as string[])[0]).toContain("draining");
      expect(await healthz(adminUrl)).toBe(200);
      // The request finishes; the drain ends with it.
      socket.write("cdefghij");
      expect(await answer).toContain("200 OK");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      removeTempDirs();
    }
  });

  it("readyz: 503 while a worker the watchdog replaced is not listening again, then 200", async () => {
    const rusm = await startRusm(
      routes(
        `
[components]
sm = { path = "${guest("sm-hello")}", max-memory-mb = 128 }
spin = { path = "${guest("cpu-spin")}", preempt = "none" }

[serve.routes]
"GET /sm" = "sm"
"GET /spin" = "spin"
`,
        "workers = 1",
      ),
    );
    try {
      expect((await readyz(rusm.adminUrl)).status).toBe(200);
      // A guest without preemption checks stalls the worker: the watchdog replaces it, and
      // the replacement loads both components again (StarlingMonkey's takes a while).
      const spinning = request(`${rusm.url}/spin`, { reset: true }).catch(() => null);
      let degraded: Probe | null = null;
      const deadline = Date.now() + 60_000;
      while (degraded === null && Date.now() < deadline) {
        const probe = await readyz(rusm.adminUrl);
        if (probe.status === 503) degraded = probe;
        else await sleep(10);
      }
      expect(degraded).toMatchObject({
        status: 503,
        body: { ready: false, state: "degraded", workers: { expected: 1, listening: 0 } },
      });
      expect(degraded!.body.waiting).toEqual([
        "worker 1: replaced, its replacement is loading sm, spin",
      ]);
      await spinning;
      await rusm.until(
        "the replacement serves",
        () => rusm.logs().some((l) => l.msg === "watchdog: the replacement worker is serving"),
        60_000,
      );
      expect((await readyz(rusm.adminUrl)).status).toBe(200);
    } finally {
      await rusm.stop();
    }
  });
});
