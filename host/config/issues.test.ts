import { describe, expect, it } from "vitest";
import type { RusmErrorCode } from "../errors.ts";
import { configError, FILE, TAIL } from "./test-support.ts";

// Schema errors as the operator sees them (through parseConfig): code, line:column, message.

// [case, text, code, line, column, what the message must contain]
const ERRORS: Array<[string, string, RusmErrorCode, number, number, string[]]> = [
  [
    "unknown key in [serve]",
    `[serve]\nfoo = 1\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    1,
    [
      "unknown key serve.foo",
      "listen, max-memory-mb, body-buffer-kb, pool-idle-seconds, workers, max-cpu-ms, preempt, time-to-head-ms, max-duration-ms, max-host-memory-mb, max-in-flight, max-pipelined, drain-ms, access-log, first-byte-timeout-ms, headers-timeout-ms, keep-alive-timeout-ms, max-message-kb, ping-timeout-ms, allow-outbound, max-outbound-per-process, tls, routes",
    ],
  ],
  [
    "unknown table",
    `[servee]\nlisten = "a:1"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    1,
    2,
    ["unknown key servee at the top level", "serve, admin, broker, components"],
  ],
  [
    "unknown top-level key",
    `debug = true\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    1,
    1,
    ["unknown key debug"],
  ],
  [
    "unknown key in [admin]",
    `[admin]\nlisten = "127.0.0.1:1"\nport = 2\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    3,
    1,
    ["unknown key admin.port", "accepted keys: listen, allow-public, token"],
  ],
  [
    "unknown key in [broker]",
    `[broker]\nbackend = "memory"\nsize = 2\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    3,
    1,
    ["unknown key broker.size", "accepted keys: backend, mailbox, overflow"],
  ],
  [
    "broker backend neither memory nor a Redis URL",
    `[broker]\nbackend = "nats://127.0.0.1:4222"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    11,
    ['broker.backend must be "memory" or a redis:// (or rediss://) URL', 'got "nats://'],
  ],
  [
    "broker overflow not a policy",
    `[broker]\noverflow = "block"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    12,
    ['broker.overflow must be "drop-oldest" or "drop-subscriber"', 'got "block"'],
  ],
  [
    "broker mailbox zero",
    `[broker]\nmailbox = 0\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    11,
    ["broker.mailbox must be an integer from 1 to 1048576"],
  ],
  [
    "unknown key in a component",
    `[components.x]\npath = "x"\nmemory = 1\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    3,
    1,
    [
      "unknown key components.x.memory",
      "path, max-memory-mb, body-buffer-kb, pool, prewarm, max-cpu-ms, preempt, time-to-head-ms, max-duration-ms",
    ],
  ],
  [
    "listen not a string",
    `[serve]\nlisten = 8080\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    10,
    ["serve.listen must be", "got 8080"],
  ],
  [
    "listen without port",
    `[serve]\nlisten = "localhost"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    10,
    ["serve.listen", `got "localhost"`, "missing the :port"],
  ],
  [
    "listen port out of range",
    `[serve]\nlisten = "127.0.0.1:65536"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    10,
    ["serve.listen", "0 to 65535"],
  ],
  [
    "listen IPv6 without brackets",
    `[serve]\nlisten = "::1:80"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    10,
    ["serve.listen", "[::1]:80"],
  ],
  [
    "max-memory-mb too small",
    `[serve]\nmax-memory-mb = 0\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    17,
    ["serve.max-memory-mb must be an integer from 1 to 65536; got 0"],
  ],
  [
    "max-memory-mb too big",
    `[serve]\nmax-memory-mb = 65537\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    17,
    ["serve.max-memory-mb", "got 65537"],
  ],
  [
    "max-memory-mb a float",
    `[serve]\nmax-memory-mb = 1.5\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    17,
    ["serve.max-memory-mb", "got 1.5"],
  ],
  [
    "max-memory-mb a string",
    `[serve]\nmax-memory-mb = "64"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    17,
    ["serve.max-memory-mb", `got "64"`],
  ],
  [
    "body-buffer-kb too big",
    `[serve]\nbody-buffer-kb = 1048577\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    18,
    ["serve.body-buffer-kb must be an integer from 1 to 1048576"],
  ],
  [
    "body-buffer-kb inf",
    `[serve]\nbody-buffer-kb = inf\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    18,
    ["serve.body-buffer-kb", "got inf"],
  ],
  [
    "component override out of range",
    `[components]\nx = { path = "x", body-buffer-kb = 0 }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    36,
    ["components.x.body-buffer-kb", "got 0"],
  ],
  [
    "pool negative",
    `[components]\nx = { path = "x", pool = -1 }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    26,
    ["components.x.pool must be an integer from 0 to 1024; got -1"],
  ],
  [
    "pool too big",
    `[components.x]\npath = "x"\npool = 1025\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    3,
    8,
    ["components.x.pool", "got 1025"],
  ],
  [
    "pool a string",
    `[components]\nx = { path = "x", pool = "4" }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    26,
    ["components.x.pool must be an integer from 0 to 1024", `got "4"`],
  ],
  [
    "prewarm too big",
    `[components]\nx = { path = "x", prewarm = 65 }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    29,
    ["components.x.prewarm must be an integer from 0 to 64; got 65"],
  ],
  [
    "prewarm a float",
    `[components]\nx = { path = "x", prewarm = 1.5 }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    29,
    ["components.x.prewarm", "got 1.5"],
  ],
  [
    "preempt not a placement",
    `[components]\nx = { path = "x", preempt = "always" }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    29,
    ['components.x.preempt must be "loops", "calls", "kill" or "none"', 'got "always"'],
  ],
  [
    "max-cpu-ms negative",
    `[serve]\nmax-cpu-ms = -5\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    14,
    ["serve.max-cpu-ms must be an integer from 0 to 86400000; got -5"],
  ],
  [
    "time-to-head-ms zero",
    `[components]\nx = { path = "x", time-to-head-ms = 0 }\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    37,
    ["components.x.time-to-head-ms must be an integer from 1 to 86400000; got 0"],
  ],
  [
    "workers zero",
    `[serve]\nworkers = 0\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    11,
    ["serve.workers must be an integer from 1 to 256; got 0"],
  ],
  [
    "pool-idle-seconds zero",
    `[serve]\npool-idle-seconds = 0\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    21,
    ["serve.pool-idle-seconds must be an integer from 1 to 86400; got 0"],
  ],
  [
    "pool in [serve]",
    `[serve]\npool = 4\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    1,
    ["unknown key serve.pool"],
  ],
  [
    "[serve] not a table",
    `serve = "yes"\n`,
    "RUSM_CONFIG_INVALID",
    1,
    9,
    ["serve must be a table", `got "yes"`],
  ],
  [
    "[admin] without listen",
    `[admin]\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    1,
    2,
    ["missing key admin.listen"],
  ],
  [
    "admin listen invalid",
    `[admin]\nlisten = "nope"\n${TAIL}`,
    "RUSM_CONFIG_INVALID",
    2,
    10,
    ["admin.listen", `got "nope"`],
  ],
  [
    "component not a string or table",
    `[components]\nx = 3\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    5,
    ["components.x must be a path string or a table", "got 3"],
  ],
  [
    "component path empty",
    `[components]\nx = ""\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    5,
    [`components.x must be a non-empty file path; got ""`],
  ],
  [
    "component table without path",
    `[components.x]\nmax-memory-mb = 1\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    1,
    13,
    ["missing key components.x.path"],
  ],
  [
    "bad component name",
    `[components]\n2fast = "x"\n[serve.routes]\n"/" = "2fast"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    1,
    ["components.2fast", "a component name"],
  ],
  [
    "route method unknown",
    `[components]\na = "a"\n[serve.routes]\n"FETCH /a" = "a"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    1,
    [`serve.routes."FETCH /a" is not a valid route key`, `"FETCH" is not an HTTP method`],
  ],
  [
    "route method lower-case",
    `[components]\na = "a"\n[serve.routes]\n"get /a" = "a"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    1,
    [`serve.routes."get /a"`, `("GET")`],
  ],
  [
    "route path without /",
    `[components]\na = "a"\n[serve.routes]\n"GET a" = "a"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    1,
    [`serve.routes."GET a"`, `must start with "/"`],
  ],
  [
    "route * not last",
    `[components]\na = "a"\n[serve.routes]\n"/a/*/b" = "a"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    1,
    [`serve.routes."/a/*/b"`, "last segment"],
  ],
  [
    "route empty param name",
    `[components]\na = "a"\n[serve.routes]\n"GET /users/:" = "a"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    1,
    [`serve.routes."GET /users/:"`, "a parameter needs a name"],
  ],
  [
    "route value not a string",
    `[components]\na = "a"\n[serve.routes]\n"GET /a" = 1\n`,
    "RUSM_CONFIG_INVALID",
    4,
    12,
    [`serve.routes."GET /a" must be a component name`, "got 1"],
  ],
  [
    "route to a malformed handler",
    `[components]\na = "a"\n[serve.routes]\n"GET /feed" = "api#"\n`,
    "RUSM_CONFIG_INVALID",
    4,
    15,
    [`serve.routes."GET /feed": "api#" is not a handler`, `write "module#function"`],
  ],
  [
    "route to a handler with a bad module name",
    `[components]\na = "a"\n[serve.routes]\n"GET /" = "a"\n"/x" = "1api#feed"\n`,
    "RUSM_CONFIG_INVALID",
    5,
    8,
    [`serve.routes."/x": "1api#feed" is not a handler`],
  ],
  [
    "route to an unknown component",
    `[components]\na = "a"\n[serve.routes]\n"GET /" = "a"\n"GET /b" = "users"\n`,
    "RUSM_CONFIG_INVALID",
    5,
    12,
    [`serve.routes."GET /b" names component "users"`, "defined: a"],
  ],
  [
    "route without [components]",
    `[serve.routes]\n"GET /" = "app"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    11,
    [`names component "app"`, "[components] is empty"],
  ],
  [
    "no [serve.routes]",
    `[serve]\nlisten = "a:1"\n[components]\na = "a"\n`,
    "RUSM_CONFIG_INVALID",
    1,
    2,
    ["serve.routes is missing"],
  ],
  [
    "no [serve] at all",
    `[components]\na = "a"\n`,
    "RUSM_CONFIG_INVALID",
    1,
    1,
    ["serve.routes is missing"],
  ],
  [
    "empty [serve.routes]",
    `[components]\na = "a"\n\n[serve.routes]\n`,
    "RUSM_CONFIG_INVALID",
    4,
    8,
    ["serve.routes is empty"],
  ],
  [
    "__proto__ key",
    `[components]\n__proto__ = "x"\n[serve.routes]\n"/" = "x"\n`,
    "RUSM_CONFIG_INVALID",
    2,
    1,
    [`"__proto__"`],
  ],
  [
    "TOML syntax",
    `[serve]\nlisten = = 1\n${TAIL}`,
    "RUSM_CONFIG_SYNTAX",
    2,
    10,
    ["invalid TOML: unexpected token"],
  ],
  [
    "TOML unterminated string",
    `[serve]\nlisten = "a:1\n${TAIL}`,
    "RUSM_CONFIG_SYNTAX",
    2,
    14,
    ["invalid TOML"],
  ],
  [
    "duplicate route",
    `[components]\na = "a"\n[serve.routes]\n"GET /a" = "a"\n"GET /b" = "a"\n"GET /a" = "a"\n`,
    "RUSM_CONFIG_SYNTAX",
    6,
    1,
    [`duplicate route "GET /a" (first at line 4)`],
  ],
];

describe("parseConfig: errors", () => {
  it.each(ERRORS)("%s", (_name, text, code, line, column, parts) => {
    const err = configError(text);
    expect({ code: err.code, where: err.where }).toEqual({
      code,
      where: { file: FILE, line, column },
    });
    for (const part of parts) expect(err.message).toContain(part);
    expect(err.hint).toBeTruthy();
  });

  it("reports the first problem in file order", () => {
    const text = `[serve]\nbody-buffer-kb = 0\nmax-memory-mb = 0\nzzz = 1\n${TAIL}`;
    expect(configError(text).message).toContain("serve.body-buffer-kb");
    const reordered = `[serve]\nzzz = 1\nbody-buffer-kb = 0\n${TAIL}`;
    expect(configError(reordered).message).toContain("unknown key serve.zzz");
  });

  it("reports what is there before what is missing", () => {
    // The missing routes would sort first (line 1); the bad value on line 2 is more useful.
    const err = configError(`[serve]\nmax-memory-mb = 0\n[components]\na = "a"\n`);
    expect(err.message).toContain("serve.max-memory-mb");
  });

  it("hints at what pool, prewarm and pool-idle-seconds mean", () => {
    const pool = configError(
      `[components]\nx = { path = "x", pool = -1 }\n[serve.routes]\n"/" = "x"\n`,
    );
    expect(pool.hint).toMatch(/idle memories kept for reuse.*0 for none, e\.g\. pool = 8/);
    const prewarm = configError(
      `[components.x]\npath = "x"\nprewarm = -1\n[serve.routes]\n"/" = "x"\n`,
    );
    expect(prewarm.hint).toMatch(/e\.g\. prewarm = 2/);
    const idle = configError(`[serve]\npool-idle-seconds = 1.5\n${TAIL}`);
    expect(idle.hint).toMatch(/e\.g\. pool-idle-seconds = 30/);
  });

  it("hints at what preempt, max-cpu-ms and the wall-clock limits mean", () => {
    expect(configError(`[serve]\npreempt = 1\n${TAIL}`).hint).toMatch(
      /"loops" \(yield at loops and calls\).*"none"/,
    );
    expect(configError(`[serve]\nmax-cpu-ms = "1s"\n${TAIL}`).hint).toMatch(
      /parked time not counted.*0 for no budget/,
    );
    expect(configError(`[serve]\nmax-duration-ms = 0\n${TAIL}`).hint).toMatch(
      /body is then truncated/,
    );
  });

  it("reports a bad socket timeout at its line, with what it means", () => {
    const negative = configError(
      `[serve]\nlisten = "127.0.0.1:0"\nheaders-timeout-ms = -1\n${TAIL}`,
    );
    expect(negative.code).toBe("RUSM_CONFIG_INVALID");
    expect(negative.where).toMatchObject({ line: 3, column: 22 });
    expect(negative.message).toContain(
      "serve.headers-timeout-ms must be an integer from 0 to 86400000",
    );
    expect(negative.hint).toMatch(/request's head .* 0 for no limit/);
    const text = configError(`[serve]\nfirst-byte-timeout-ms = "10s"\n${TAIL}`);
    expect(text.where).toMatchObject({ line: 2, column: 25 });
    expect(text.hint).toMatch(/silent before its first byte/);
    const fraction = configError(`[serve]\nkeep-alive-timeout-ms = 0.5\n${TAIL}`);
    expect(fraction.message).toContain("serve.keep-alive-timeout-ms must be an integer");
    expect(fraction.hint).toMatch(/idle between requests/);
  });

  it("formats as error[CODE] file:line:column: message", () => {
    expect(configError(`[serve]\nmax-memory-mb = 0\n${TAIL}`).format()).toMatch(
      /^error\[RUSM_CONFIG_INVALID\] \/srv\/app\/routes\.toml:2:17: serve\.max-memory-mb .*\n {2}hint: /,
    );
  });
});
