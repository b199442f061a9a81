import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RusmError } from "../errors.ts";
import { thrown } from "../errors.test-support.ts";
import { createRouter } from "../router/index.ts";
import { parseConfig } from "./parse.ts";
import { configError, FILE, TAIL } from "./test-support.ts";

/** What `[serve]` gets for every key a file leaves out (both tests below leave them out). */
const SERVE_DEFAULTS = {
  bodyBufferKb: 64,
  poolIdleSeconds: 30,
  workers: null,
  limits: {
    maxCpuMs: 60_000,
    preempt: "loops",
    timeToHeadMs: null,
    maxDurationMs: null,
    maxHostMemoryMb: 16,
    allowOutbound: [],
    maxOutbound: 16,
  },
  maxInFlight: 25_000,
  maxPipelined: 16,
  drainMs: 10_000,
  accessLog: false,
  timeouts: { firstByteMs: 10_000, headersMs: 30_000, keepAliveMs: 5_000 },
  websocket: { maxMessageKb: 1024, pingTimeoutMs: 30_000 },
  tls: null,
};

describe("parseConfig: valid files", () => {
  const text = [
    `[serve]`, // 1
    `listen = "0.0.0.0:0"`, // 2
    `max-memory-mb = 128`, // 3
    `[admin]`, // 4
    `listen = "[::1]:9464"`, // 5
    `[components]`, // 6
    `ticks = "guests/ticks.wasm"`, // 7
    `big = { path = "../big.wasm", max-memory-mb = 256, body-buffer-kb = 16, pool = 0, prewarm = 2 }`, // 8
    `[components.site]`, // 9
    `path = "/opt/site.wasm"`, // 10
    `[serve.routes]`, // 11
    `"GET /ticks" = "ticks"`, // 12
    `"POST /users/:id" = "big"`, // 13
    `"/static/*" = "site"`, // 14
  ].join("\n");
  const config = parseConfig(text, FILE);

  it("reads [serve] and [admin]", () => {
    expect(config.file).toBe(FILE);
    expect(config.serve).toEqual({
      listen: { host: "0.0.0.0", port: 0 },
      listenGiven: true,
      maxMemoryMb: 128,
      ...SERVE_DEFAULTS,
    });
    expect(config.admin).toEqual({
      listen: { host: "::1", port: 9464 },
      allowPublic: false,
      token: null,
    });
  });

  it("reads components in every form, paths resolved against the file's directory", () => {
    expect([...config.components.values()]).toEqual([
      {
        name: "ticks",
        path: "/srv/app/guests/ticks.wasm",
        maxMemoryMb: 128,
        bodyBufferKb: 64,
        pool: undefined,
        prewarm: 0,
        limits: {
          maxCpuMs: 60_000,
          preempt: "loops",
          timeToHeadMs: null,
          maxDurationMs: null,
          maxHostMemoryMb: 16,
          allowOutbound: [],
          maxOutbound: 16,
        },
        where: { file: FILE, line: 7, column: 1 },
        pathWhere: { file: FILE, line: 7, column: 9 },
        source: null,
        engine: "starlingmonkey",
      },
      {
        name: "big",
        path: "/srv/big.wasm",
        maxMemoryMb: 256,
        bodyBufferKb: 16,
        pool: 0,
        prewarm: 2,
        limits: {
          maxCpuMs: 60_000,
          preempt: "loops",
          timeToHeadMs: null,
          maxDurationMs: null,
          maxHostMemoryMb: 16,
          allowOutbound: [],
          maxOutbound: 16,
        },
        where: { file: FILE, line: 8, column: 1 },
        pathWhere: { file: FILE, line: 8, column: 16 },
        source: null,
        engine: "starlingmonkey",
      },
      {
        name: "site",
        path: "/opt/site.wasm",
        maxMemoryMb: 128,
        bodyBufferKb: 64,
        pool: undefined,
        prewarm: 0,
        limits: {
          maxCpuMs: 60_000,
          preempt: "loops",
          timeToHeadMs: null,
          maxDurationMs: null,
          maxHostMemoryMb: 16,
          allowOutbound: [],
          maxOutbound: 16,
        },
        where: { file: FILE, line: 9, column: 13 },
        pathWhere: { file: FILE, line: 10, column: 8 },
        source: null,
        engine: "starlingmonkey",
      },
    ]);
  });

  it("reads routes in file order, method null for any method", () => {
    expect(config.routes).toEqual([
      {
        method: "GET",
        path: "/ticks",
        target: { kind: "component", component: "ticks" },
        pattern: "GET /ticks",
        where: { file: FILE, line: 12, column: 1 },
        targetWhere: { file: FILE, line: 12, column: 16 },
      },
      {
        method: "POST",
        path: "/users/:id",
        target: { kind: "component", component: "big" },
        pattern: "POST /users/:id",
        where: { file: FILE, line: 13, column: 1 },
        targetWhere: { file: FILE, line: 13, column: 21 },
      },
      {
        method: null,
        path: "/static/*",
        target: { kind: "component", component: "site" },
        pattern: "/static/*",
        where: { file: FILE, line: 14, column: 1 },
        targetWhere: { file: FILE, line: 14, column: 15 },
      },
    ]);
  });

  it("applies defaults when [serve] and [admin] are absent", () => {
    const minimal = parseConfig(TAIL, FILE);
    expect(minimal.serve).toEqual({
      listen: { host: "127.0.0.1", port: 8080 },
      listenGiven: false,
      maxMemoryMb: 64,
      ...SERVE_DEFAULTS,
    });
    expect(minimal.admin).toBeNull();
    expect(minimal.broker).toEqual({ backend: "memory", mailbox: 256, overflow: "drop-oldest" });
    expect(minimal.components.get("app")).toMatchObject({ maxMemoryMb: 64, bodyBufferKb: 64 });
    expect(minimal.components.get("app")?.pool).toBeUndefined();
    expect(minimal.components.get("app")?.prewarm).toBe(0);
  });

  it("reads pool-idle-seconds, and a component's pool and prewarm", () => {
    const text = `[serve]\npool-idle-seconds = 5\n[components]\napp = { path = "app.wasm", pool = 12, prewarm = 64 }\n[serve.routes]\n"GET /" = "app"\n`;
    const config = parseConfig(text, FILE);
    expect(config.serve.poolIdleSeconds).toBe(5);
    expect(config.components.get("app")).toMatchObject({ pool: 12, prewarm: 64 });
  });

  it("reads workers and the process limits; a component's own limits override [serve]'s", () => {
    const text = `[serve]\nworkers = 3\nmax-cpu-ms = 0\npreempt = "calls"\ntime-to-head-ms = 2000\nmax-host-memory-mb = 4\nmax-in-flight = 100\nmax-pipelined = 2\ndrain-ms = 0\n[components]\na = "a.wasm"\nb = { path = "b.wasm", max-cpu-ms = 50, preempt = "none", max-duration-ms = 9000, max-host-memory-mb = 32 }\n[serve.routes]\n"GET /a" = "a"\n"GET /b" = "b"\n`;
    const config = parseConfig(text, FILE);
    expect(config.serve.workers).toBe(3);
    expect(config.serve).toMatchObject({ maxInFlight: 100, maxPipelined: 2, drainMs: 0 });
    expect(config.components.get("a")?.limits).toEqual({
      maxCpuMs: 0,
      preempt: "calls",
      timeToHeadMs: 2000,
      maxDurationMs: null,
      maxHostMemoryMb: 4,
      allowOutbound: [],
      maxOutbound: 16,
    });
    expect(config.components.get("b")?.limits).toEqual({
      maxCpuMs: 50,
      preempt: "none",
      timeToHeadMs: 2000,
      maxDurationMs: 9000,
      maxHostMemoryMb: 32,
      allowOutbound: [],
      maxOutbound: 16,
    });
  });

  it("reads the socket timeouts; 0 turns one off", () => {
    const text = `[serve]\nfirst-byte-timeout-ms = 0\nheaders-timeout-ms = 2500\nkeep-alive-timeout-ms = 86400000\n${TAIL}`;
    expect(parseConfig(text, FILE).serve.timeouts).toEqual({
      firstByteMs: 0,
      headersMs: 2500,
      keepAliveMs: 86_400_000,
    });
  });

  it("reads the WebSocket limits (max-message-kb, ping-timeout-ms; 0: no pings)", () => {
    const text = `[serve]\nmax-message-kb = 64\nping-timeout-ms = 0\n${TAIL}`;
    expect(parseConfig(text, FILE).serve.websocket).toEqual({ maxMessageKb: 64, pingTimeoutMs: 0 });
  });

  it("reads [broker]", () => {
    const text = `[broker]\nbackend = "redis://10.0.0.5:6379/2"\nmailbox = 16\noverflow = "drop-subscriber"\n${TAIL}`;
    expect(parseConfig(text, FILE).broker).toEqual({
      backend: "redis://10.0.0.5:6379/2",
      mailbox: 16,
      overflow: "drop-subscriber",
    });
  });

  it("resolves a relative config path against the working directory", () => {
    const relative = parseConfig(TAIL, "conf/routes.toml");
    expect(relative.file).toBe(resolve("conf/routes.toml"));
    expect(relative.components.get("app")?.path).toBe(resolve("conf/app.wasm"));
  });

  it("accepts dotted keys and inline tables for the same structure", () => {
    const dotted = parseConfig(
      `serve.listen = "localhost:1"\ncomponents.app.path = "a.wasm"\nserve.routes = { "/" = "app" }\n`,
      FILE,
    );
    expect(dotted.serve.listen).toEqual({ host: "localhost", port: 1 });
    expect(dotted.routes).toMatchObject([
      { method: null, path: "/", where: { line: 3, column: 18 } },
    ]);
  });

  it("reads a handler route without checking it against [components]", () => {
    // "api" is no component: handlers are checked once the components' manifests are loaded.
    const text = `[components]\napp = "app.wasm"\n[serve.routes]\n"GET /" = "app"\n"GET /feed" = "api#feed"\n`;
    expect(parseConfig(text, FILE).routes[1]).toEqual({
      method: "GET",
      path: "/feed",
      target: { kind: "handler", module: "api", function: "feed" },
      pattern: "GET /feed",
      where: { file: FILE, line: 5, column: 1 },
      targetWhere: { file: FILE, line: 5, column: 15 },
    });
  });

  it("accepts handler routes with no [components] at all", () => {
    const routes = parseConfig(`[serve.routes]\n"/:id" = "users#get"\n`, FILE).routes;
    expect(routes).toEqual([
      {
        method: null,
        path: "/:id",
        target: { kind: "handler", module: "users", function: "get" },
        pattern: "/:id",
        where: { file: FILE, line: 2, column: 1 },
        targetWhere: { file: FILE, line: 2, column: 10 },
      },
    ]);
  });

  it("accepts a component named like an Object.prototype member", () => {
    const text = `[components]\nconstructor = "c.wasm"\n[serve.routes]\n"/" = "constructor"\n`;
    expect(parseConfig(text, FILE).components.get("constructor")?.path).toBe("/srv/app/c.wasm");
    const unknown = configError(`[components]\na = "a.wasm"\n[serve.routes]\n"/" = "toString"\n`);
    expect(unknown.message).toContain(`names component "toString"`);
  });
});

describe("parseConfig + createRouter", () => {
  it("compiles config routes; a conflict points at the later route's line in routes.toml", () => {
    const text = `[components]\na = "a"\n[serve.routes]\n"GET /users/:id" = "a"\n"GET /x" = "a"\n"GET /users/:name" = "a"\n`;
    const routes = parseConfig(text, FILE).routes;
    const err = thrown(() => createRouter(routes));
    expect(err).toBeInstanceOf(RusmError);
    expect(err).toMatchObject({
      code: "RUSM_ROUTE_CONFLICT",
      message: `route "GET /users/:name" conflicts with "GET /users/:id" (line 4): both match GET /users/<x>`,
      where: { file: FILE, line: 6, column: 1 },
    });
  });
});
