import { describe, expect, it } from "vitest";
import type { RusmErrorCode } from "../errors.ts";
import { parseConfig } from "./parse.ts";
import { configError, FILE, TAIL } from "./test-support.ts";

// [admin] safety (issue 15): a loopback listen unless allow-public = true, an optional token.

// [case, text, line, column, what the message must contain, what the hint must contain]
const ERRORS: Array<[string, string, number, number, string[], string]> = [
  [
    "every IPv4 interface",
    `[admin]\nlisten = "0.0.0.0:9464"\n${TAIL}`,
    2,
    10,
    ["admin.listen is 0.0.0.0:9464, not a loopback address", "open to the network"],
    "allow-public = true",
  ],
  [
    "every IPv6 interface",
    `[admin]\nlisten = "[::]:9464"\n${TAIL}`,
    2,
    10,
    ["admin.listen is [::]:9464, not a loopback address"],
    "listen on 127.0.0.1 or [::1]",
  ],
  [
    "a private address",
    `[admin]\nallow-public = false\nlisten = "10.0.0.5:9464"\n${TAIL}`,
    3,
    10,
    ["admin.listen is 10.0.0.5:9464, not a loopback address"],
    "allow-public = true",
  ],
  [
    "a host name (not resolved)",
    `[admin]\nlisten = "metrics.internal:9464"\n${TAIL}`,
    2,
    10,
    ["admin.listen is metrics.internal:9464, not a loopback address"],
    "allow-public = true",
  ],
  [
    "allow-public not a boolean",
    `[admin]\nlisten = "0.0.0.0:9464"\nallow-public = "yes"\n${TAIL}`,
    3,
    16,
    [`admin.allow-public must be true or false; got "yes"`],
    "allow-public = true",
  ],
  [
    "token too short",
    `[admin]\nlisten = "127.0.0.1:9464"\ntoken = "hunter2"\n${TAIL}`,
    3,
    9,
    [`admin.token must be 16 to 4096 visible ASCII characters (no spaces); got "hunter2"`],
    "Authorization: Bearer <token>",
  ],
  [
    "token with a space",
    `[admin]\nlisten = "127.0.0.1:9464"\ntoken = "correct horse battery staple"\n${TAIL}`,
    3,
    9,
    ["admin.token must be 16 to 4096 visible ASCII characters (no spaces)"],
    "openssl rand -hex 32",
  ],
  [
    "token not a string",
    `[admin]\nlisten = "127.0.0.1:9464"\ntoken = 1234567890123456789\n${TAIL}`,
    3,
    9,
    ["admin.token must be 16 to 4096 visible ASCII characters (no spaces)"],
    "Bearer",
  ],
];

describe("[admin]: errors", () => {
  it.each(ERRORS)("%s", (_name, text, line, column, parts, hint) => {
    const err = configError(text);
    expect({ code: err.code, where: err.where }).toEqual({
      code: "RUSM_CONFIG_INVALID" satisfies RusmErrorCode,
      where: { file: FILE, line, column },
    });
    for (const part of parts) expect(err.message).toContain(part);
    expect(err.hint).toContain(hint);
  });
});

describe("[admin]: valid", () => {
  const admin = (lines: string) => parseConfig(`[admin]\n${lines}\n${TAIL}`, FILE).admin;

  it("takes any loopback address, with allow-public false and no token by default", () => {
    for (const [listen, host] of [
      ["127.0.0.1:9464", "127.0.0.1"],
      ["127.0.0.2:9464", "127.0.0.2"],
      ["[::1]:9464", "::1"],
      ["localhost:9464", "localhost"],
      ["[::ffff:127.0.0.1]:9464", "::ffff:127.0.0.1"],
    ]) {
      expect(admin(`listen = "${listen}"`)).toEqual({
        listen: { host, port: 9464 },
        allowPublic: false,
        token: null,
      });
    }
  });

  it("takes a public address with allow-public = true, and a token", () => {
    const token = "0123456789abcdef0123456789abcdef";
    expect(admin(`listen = "0.0.0.0:9464"\nallow-public = true\ntoken = "${token}"`)).toEqual({
      listen: { host: "0.0.0.0", port: 9464 },
      allowPublic: true,
      token,
    });
  });
});
