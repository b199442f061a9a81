import { describe, expect, it } from "vitest";
import { parseListen } from "./listen.ts";

describe("parseListen", () => {
  it.each([
    ["127.0.0.1:8080", "127.0.0.1", 8080],
    ["0.0.0.0:0", "0.0.0.0", 0],
    ["localhost:65535", "localhost", 65535],
    ["my-host.example.com:80", "my-host.example.com", 80],
    ["[::1]:9464", "::1", 9464],
    ["[::]:80", "::", 80],
    ["[2001:db8::1]:443", "2001:db8::1", 443],
  ])("accepts %s", (text, host, port) => {
    expect(parseListen(text)).toEqual({ ok: true, listen: { host, port } });
  });

  it.each([
    ["127.0.0.1", "missing the :port"],
    [":8080", "missing the host"],
    ["::1:8080", "needs brackets, as in [::1]:8080"],
    ["[::1:8080", "not a bracketed IPv6 address"],
    ["[127.0.0.1]:80", "not a bracketed IPv6 address"],
    ["999.1.1.1:80", "not an IPv4 address or a host name"],
    ["bad_host:80", "not an IPv4 address or a host name"],
    ["localhost:65536", `port "65536" is not an integer from 0 to 65535`],
    ["localhost:-1", "is not an integer from 0 to 65535"],
    ["localhost:80x", "is not an integer from 0 to 65535"],
    ["localhost:", `port "" is not an integer`],
  ])("rejects %j", (text, reason) => {
    const parsed = parseListen(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
