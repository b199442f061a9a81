/**
 * `rusm serve` as an operator starts it (issue 20, the CLI): a component given directly
 * (`rusm serve app.wasm`, one component on every path), where to listen from the environment
 * (`RUSM_LISTEN`, `PORT`) when the file does not say, and stopping with the npm process that
 * started it (`npx rusm serve`, then a SIGTERM to npx: rusm must not stay listening, orphaned).
 */
import { spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { spawnRusm, stopServer } from "../host/testing/index.ts";
import { ROOT, guest, removeTempDirs, runRusm, writeRoutes } from "./helpers/rusm.ts";

afterAll(removeTempDirs);

/** A port free right now (bound and released). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

describe("rusm serve app.wasm", () => {
  it("serves one component on every path, named after its file", async () => {
    const rusm = await spawnRusm([guest("http-hello"), "--listen", "127.0.0.1:0"]);
    try {
      for (const path of ["/", "/any/path?q=1"]) {
        const res = await fetch(`${rusm.url}${path}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("hello from wat\n");
      }
    } finally {
      expect(await stopServer(rusm.child, rusm.exited)).toBe(0);
    }
  });

  it("a missing component file: a clear error, exit 1", async () => {
    const run = await runRusm(["serve", "/nonexistent/app.wasm"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "error[RUSM_FILE_NOT_FOUND] component file /nonexistent/app.wasm does not exist",
    );
    expect(run.stderr).toContain("hint: build the component first, or pass a routes.toml");
  });
});

describe("where to listen, from the environment", () => {
  it("PORT, when the file does not say (on 127.0.0.1)", async () => {
    const port = await freePort();
    const rusm = await spawnRusm([guest("http-hello")], { env: { PORT: String(port) } });
    try {
      expect(rusm.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await stopServer(rusm.child, rusm.exited);
    }
  });

  it("RUSM_LISTEN wins over PORT; --listen over both", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const env = { RUSM_LISTEN: `127.0.0.1:${a}`, PORT: String(b) };
    const byEnv = await spawnRusm([guest("http-hello")], { env });
    try {
      expect(byEnv.url).toBe(`http://127.0.0.1:${a}`);
    } finally {
      await stopServer(byEnv.child, byEnv.exited);
    }
    const byFlag = await spawnRusm([guest("http-hello"), "--listen", "127.0.0.1:0"], { env });
    try {
      expect(byFlag.url).not.toContain(`:${a}`);
      expect(byFlag.url).not.toContain(`:${b}`);
    } finally {
      await stopServer(byFlag.child, byFlag.exited);
    }
  });

  it("the file's [serve] listen wins over the environment", async () => {
    const file = await writeRoutes(
      `[serve]\nlisten = "127.0.0.1:0"\n\n[components]\nhello = ${JSON.stringify(guest("http-hello"))}\n\n[serve.routes]\n"GET /" = "hello"\n`,
    );
    const port = await freePort();
    const rusm = await spawnRusm([file], { env: { PORT: String(port) } });
    try {
      expect(rusm.url).not.toBe(`http://127.0.0.1:${port}`);
    } finally {
      await stopServer(rusm.child, rusm.exited);
    }
  });

  it("a bad PORT or RUSM_LISTEN: a usage error naming the variable, exit 2", async () => {
    const old = { PORT: process.env.PORT, RUSM_LISTEN: process.env.RUSM_LISTEN };
    try {
      process.env.PORT = "eighty";
      const port = await runRusm(["serve", guest("http-hello")]);
      expect(port.code).toBe(2);
      expect(port.stderr).toContain("error[RUSM_USAGE] PORT=eighty: not a port number");
      process.env.RUSM_LISTEN = "nowhere";
      const listen = await runRusm(["serve", guest("http-hello")]);
      expect(listen.code).toBe(2);
      expect(listen.stderr).toContain("error[RUSM_USAGE] RUSM_LISTEN=nowhere:");
    } finally {
      for (const [k, v] of Object.entries(old)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe("started through npx", () => {
  it("a SIGTERM to the npx process stops rusm too (it drains, it does not stay listening)", async () => {
    // npx runs bin/rusm.mjs under `sh -c`, on the project's Node 24 (node_modules/.bin first).
    const npx = spawn(
      "npx",
      ["--offline", "rusm", "serve", guest("http-hello"), "--listen", "127.0.0.1:0"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, npm_config_update_notifier: "false" },
      },
    );
    let out = "";
    let err = "";
    npx.stdout.on("data", (d: Buffer) => (out += d.toString()));
    npx.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((done, fail) => {
      const check = (): void => {
        const m = /rusm listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m !== null) done(Number(m[1]));
      };
      npx.stdout.on("data", check);
      npx.once("exit", (code) => fail(new Error(`npx exited (${code}) first:\n${err}`)));
    });
    expect(await accepts(port)).toBe(true);
    npx.kill("SIGTERM");
    // rusm notices within a second or so and drains; a generous bound for a busy machine.
    const deadline = Date.now() + 30_000;
    while ((await accepts(port)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await accepts(port), `rusm still listens after npx got SIGTERM:\n${err}`).toBe(false);
    // It went through the drain (its one summary line), not a crash.
    await new Promise((r) => setTimeout(r, 1000));
    expect(err).toMatch(/"signal":"starter gone"/);
  }, 60_000);
});
