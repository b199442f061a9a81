/**
 * @module wasi/http/outbound/policy
 * A component's `allow-outbound` list as a check: which origins a process may fetch
 * ({@link OutboundPolicy.match}), and which resolved addresses it may connect to
 * ({@link OutboundPolicy.addressAllowed}).
 *
 * A name that resolves to a loopback, private or link-local address is refused unless that
 * name is listed without a wildcard, or that address is listed. The address is checked where
 * the socket connects (lookup.ts is the connection's own resolver), so a name that resolves
 * to a public address when first looked at and to 127.0.0.1 a moment later (DNS rebinding)
 * is refused at the connection.
 */
import { BlockList, isIP } from "node:net";
import type { OutboundRule } from "../../../config/outbound.ts";

/** Loopback, private, link-local and other non-public ranges (RFC 6890 and friends). */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv6");
}

/** True for a loopback, private, link-local (or otherwise non-public) address. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, "ipv4");
  if (family !== 6) return false;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return INTERNAL.check(mapped[1]!, "ipv4");
  return INTERNAL.check(address, "ipv6");
}

/** The port a URL reaches: its own, or its scheme's default. */
export function effectivePort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** A URL's host as the rules spell it: lower-case, an IPv6 address without brackets. */
export function bareHost(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith("[") ? host.slice(1, -1) : host;
}

export class OutboundPolicy {
  readonly rules: readonly OutboundRule[];
  /** Names listed without a wildcard: they may resolve to internal addresses. */
  readonly #exactNames = new Set<string>();
  /** Addresses listed: a name may resolve to them. */
  readonly #addresses = new Set<string>();

  constructor(rules: readonly OutboundRule[]) {
    this.rules = rules;
    for (const rule of rules) {
      if (rule.wildcard) continue;
      if (isIP(rule.host) === 0) this.#exactNames.add(rule.host);
      else this.#addresses.add(rule.host);
    }
  }

  /** True when nothing is allowed (the default). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The rule that lets a process fetch `url`, or null. */
  match(url: URL): OutboundRule | null {
    const scheme = url.protocol.slice(0, -1);
    const host = bareHost(url);
    const port = effectivePort(url);
    for (const rule of this.rules) {
      if (rule.scheme !== scheme) continue;
      const rulePort = rule.port ?? (rule.scheme === "https" ? 443 : 80);
      if (rulePort !== port) continue;
      if (rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host) return rule;
    }
    return null;
  }

  /**
   * May a connection to `hostname` (a name some rule matched) go to `address`? Public
   * addresses: yes. Internal ones: only when the name is listed without a wildcard or the
   * address itself is listed.
   */
  addressAllowed(hostname: string, address: string): boolean {
    if (!isInternalAddress(address)) return true;
    return this.#exactNames.has(hostname.toLowerCase()) || this.#addresses.has(address);
  }
}

/** One policy per list (components sharing `[serve]`'s list share it, and its pools). */
const POLICIES = new WeakMap<readonly OutboundRule[], OutboundPolicy>();

/** The policy of an `allow-outbound` list. */
export function policyFor(rules: readonly OutboundRule[]): OutboundPolicy {
  let policy = POLICIES.get(rules);
  if (policy === undefined) {
    policy = new OutboundPolicy(rules);
    POLICIES.set(rules, policy);
  }
  return policy;
}
