/**
 * Regression: a client that connected while rusm was starting hung, and so did rusm.
 *
 * Symptom: a client (a `curl`, a load balancer's health check) that connected during startup
 * (while a first transpile ran, seconds for a StarlingMonkey guest) was accepted and never
 * answered; rusm then never printed its listening line, and ignored SIGTERM.
 *
 * Root cause: the supervisor holds the public port with `SO_REUSEPORT` until the workers listen
 * (workers/supervisor.ts `startNode`), sharing the port's accept queue with them. Its holder was
 * a plain `net` server with no connection handler: a connection it accepted stayed open, and
 * closing the holder waits for its connections to end. Fix: the holder resets what it accepts.
 */
import { spawn } from "node:child_process";
import { connect, createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT, guest, routes, writeRoutes } from "./helpers/rusm.ts";
import { listeningAddresses, stopServer } from "../host/testing/index.ts";

/** A port free now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Connects to `port`; resolves with how the connection ended, or "open" if it stays open `ms`. */
function tryConnect(port: number, ms: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      done("open");
    }, ms);
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done(err.code ?? err.message);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      done("closed");
    });
  });
}

describe("regression: a connection during startup", () => {
  it("is reset, not held, and rusm finishes starting and serves", async () => {
    const port = await freePort();
    // A cache of its own: the StarlingMonkey guest is transpiled now, which takes seconds.
    const cacheDir = await mkdtemp(join(tmpdir(), "rusm-startup-"));
    const file = await writeRoutes(
      routes(`
[components]
hello = { path = "${guest("sm-hello")}", max-memory-mb = 128 }
[serve.routes]
"GET /hello" = "hello"
`).replace('listen = "127.0.0.1:0"', `listen = "127.0.0.1:${port}"`),
    );
    const child = spawn(process.execPath, [BIN, "serve", file, "--cache-dir", cacheDir], {
      cwd: ROOT,
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", () => undefined);
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    try {
      // Connect while it starts, until a connection gets through to the port's holder.
      const outcomes: string[] = [];
      while (listeningAddresses(out) === null && child.exitCode === null) {
        const outcome = await tryConnect(port, 3000);
        outcomes.push(outcome);
        expect(outcome, "a connection during startup is never held open").not.toBe("open");
        if (outcome !== "ECONNREFUSED") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // rusm finishes starting, and serves.
      for (const started = Date.now(); listeningAddresses(out) === null;) {
        expect(
          Date.now() - started,
          `rusm started (connections: ${outcomes.join(", ")})`,
        ).toBeLessThan(120_000);
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`http://127.0.0.1:${port}/hello`);
      expect(res.status).toBe(200);
      await res.text();
      expect(await stopServer(child, exited)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(cacheDir, { recursive: true, force: true });
    }
  }, 180_000);
});
