import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { parseOutboundRule } from "./outbound.ts";
import { configError, FILE, TAIL } from "./test-support.ts";

describe("allow-outbound entries", () => {
  it("parses scheme, host, optional port and a wildcard sub-domain", () => {
    expect(parseOutboundRule("https://api.example.com")).toMatchObject({
      ok: true,
      rule: { scheme: "https", host: "api.example.com", port: null, wildcard: false },
    });
    expect(parseOutboundRule("http://127.0.0.1:9000")).toMatchObject({
      ok: true,
      rule: { scheme: "http", host: "127.0.0.1", port: 9000 },
    });
    expect(parseOutboundRule("https://*.Example.org/")).toMatchObject({
      ok: true,
      rule: { host: "example.org", wildcard: true },
    });
    expect(parseOutboundRule("http://[::1]:8080")).toMatchObject({
      ok: true,
      rule: { host: "::1", port: 8080 },
    });
  });

  it("refuses paths, other schemes, bad ports, wildcard addresses and bad names", () => {
    for (const bad of [
      "https://api.example.com/v1",
      "ftp://example.com",
      "example.com",
      "http://example.com:0",
      "http://example.com:70000",
      "http://*.127.0.0.1",
      "http://exa mple.com",
      "http://user@example.com",
      "http://*",
    ]) {
      expect(parseOutboundRule(bad).ok, bad).toBe(false);
    }
  });

  it("is none by default; a component's list replaces [serve]'s", () => {
    const config = parseConfig(
      `[serve]\nallow-outbound = ["https://api.example.com"]\n[components]\napp = "app.wasm"\nother = { path = "o.wasm", allow-outbound = [], max-outbound-per-process = 4 }\n[serve.routes]\n"GET /" = "app"\n`,
      FILE,
    );
    expect(config.components.get("app")!.limits.allowOutbound.map((r) => r.host)).toEqual([
      "api.example.com",
    ]);
    expect(config.components.get("app")!.limits.maxOutbound).toBe(16);
    expect(config.components.get("other")!.limits.allowOutbound).toEqual([]);
    expect(config.components.get("other")!.limits.maxOutbound).toBe(4);
    expect(parseConfig(TAIL, FILE).serve.limits.allowOutbound).toEqual([]);
  });

  it("reports a bad entry at its line and column, with what was expected", () => {
    const err = configError(
      `[serve]\nallow-outbound = [\n  "https://ok.example.com",\n  "https://api.example.com/v1",\n]\n${TAIL}`,
    );
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toMatchObject({ line: 4, column: 3 });
    expect(err.message).toContain("serve.allow-outbound");
    expect(err.message).toContain("no path");
    expect(err.hint).toMatch(/allow-outbound = \[/);
    const notList = configError(`[serve]\nallow-outbound = "https://a.example.com"\n${TAIL}`);
    expect(notList.where).toMatchObject({ line: 2 });
    expect(notList.message).toContain("a list of");
    const max = configError(`[serve]\nmax-outbound-per-process = 0\n${TAIL}`);
    expect(max.message).toContain("an integer from 1 to 1024");
  });
});
