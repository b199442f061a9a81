import { describe, expect, it } from "vitest";
import { parseOutboundRule, type OutboundRule } from "../../../config/outbound.ts";
import { isInternalAddress, OutboundPolicy } from "./policy.ts";

const rules = (...texts: string[]): OutboundRule[] =>
  texts.map((t) => {
    const parsed = parseOutboundRule(t);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.rule;
  });

describe("OutboundPolicy", () => {
  it("matches scheme, host and port (the scheme's default when none is written)", () => {
    const policy = new OutboundPolicy(rules("https://api.example.com", "http://127.0.0.1:9000"));
    expect(policy.match(new URL("https://api.example.com/v1?q=1"))).not.toBeNull();
    expect(policy.match(new URL("https://api.example.com:443/"))).not.toBeNull();
    expect(policy.match(new URL("https://api.example.com:8443/"))).toBeNull();
    expect(policy.match(new URL("http://api.example.com/"))).toBeNull();
    expect(policy.match(new URL("http://127.0.0.1:9000/"))).not.toBeNull();
    expect(policy.match(new URL("http://127.0.0.1:9001/"))).toBeNull();
    expect(policy.match(new URL("https://evil.com/"))).toBeNull();
    expect(new OutboundPolicy([]).match(new URL("https://api.example.com/"))).toBeNull();
  });

  it("a wildcard matches sub-domains, not the apex nor look-alikes", () => {
    const policy = new OutboundPolicy(rules("https://*.example.org"));
    expect(policy.match(new URL("https://a.example.org/"))).not.toBeNull();
    expect(policy.match(new URL("https://a.b.example.org/"))).not.toBeNull();
    expect(policy.match(new URL("https://example.org/"))).toBeNull();
    expect(policy.match(new URL("https://badexample.org/"))).toBeNull();
  });

  it("internal addresses only for a name listed as such, or an address listed", () => {
    const policy = new OutboundPolicy(
      rules("https://*.example.org", "http://localhost:8080", "http://10.1.2.3:80"),
    );
    expect(policy.addressAllowed("a.example.org", "93.184.216.34")).toBe(true);
    expect(policy.addressAllowed("a.example.org", "127.0.0.1")).toBe(false);
    expect(policy.addressAllowed("a.example.org", "169.254.169.254")).toBe(false);
    expect(policy.addressAllowed("a.example.org", "::ffff:192.168.1.1")).toBe(false);
    expect(policy.addressAllowed("a.example.org", "fe80::1")).toBe(false);
    expect(policy.addressAllowed("localhost", "127.0.0.1")).toBe(true);
    expect(policy.addressAllowed("a.example.org", "10.1.2.3")).toBe(true);
  });

  it("knows loopback, private and link-local ranges", () => {
    for (const a of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.0.1",
      "169.254.1.1",
      "::1",
      "fd00::1",
      "0.0.0.0",
    ]) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ["8.8.8.8", "172.32.0.1", "2606:4700::1111"]) {
      expect(isInternalAddress(a), a).toBe(false);
    }
  });
});
