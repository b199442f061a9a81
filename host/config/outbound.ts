/**
 * @module config/outbound
 * `allow-outbound` entries (`"https://api.example.com"`, `"http://127.0.0.1:9000"`,
 * `"https://*.example.org"`): what a process may reach with `wasi:http/outgoing-handler`.
 * Parsing only (pure); matching a request against the list is wasi/http/outbound/policy.ts.
 */
import { isIP } from "node:net";

/** One allowed origin pattern. */
export interface OutboundRule {
  /** As written, for logs. */
  readonly text: string;
  readonly scheme: "http" | "https";
  /** Lower-case; an IPv6 address without brackets. For a wildcard, the suffix after `*.`. */
  readonly host: string;
  /** True for `*.example.org`: any sub-domain (not the apex). */
  readonly wildcard: boolean;
  /** The port, or null: the scheme's default (80, 443) only. */
  readonly port: number | null;
}

export const OUTBOUND_EXPECTED = `an origin like "https://api.example.com", "http://127.0.0.1:9000" or "https://*.example.org"`;
export const OUTBOUND_HINT = `list origins (scheme, host, optional port), e.g. allow-outbound = ["https://api.example.com", "http://127.0.0.1:9000"]`;

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses one `allow-outbound` entry. */
export function parseOutboundRule(
  text: string,
): { ok: true; rule: OutboundRule } | { ok: false; reason: string } {
  const m = /^(http|https):\/\/(\*\.)?(\[[0-9a-fA-F:.]+\]|[^/:?#[\]]+)(?::(\d{1,5}))?\/?$/.exec(
    text,
  );
  if (m === null) {
    return { ok: false, reason: "it is not scheme://host[:port] (no path, query or user)" };
  }
  const scheme = m[1] as "http" | "https";
  const wildcard = m[2] !== undefined;
  let host = m[3]!.toLowerCase();
  if (host.startsWith("[")) host = host.slice(1, -1);
  const ip = isIP(host);
  if (m[3]!.startsWith("[") && ip !== 6)
    return { ok: false, reason: `${m[3]} is not an IPv6 address` };
  if (ip === 6 && !m[3]!.startsWith("["))
    return { ok: false, reason: "write an IPv6 host in brackets" };
  if (ip !== 0 && wildcard)
    return { ok: false, reason: "a wildcard needs a domain name, not an address" };
  if (ip === 0 && !host.split(".").every((label) => HOST_LABEL.test(label))) {
    return { ok: false, reason: `${host} is not a valid host name` };
  }
  let port: number | null = null;
  if (m[4] !== undefined) {
    port = Number(m[4]);
    if (port < 1 || port > 65535) return { ok: false, reason: `port ${port} is not 1 to 65535` };
  }
  return { ok: true, rule: { text, scheme, host, wildcard, port } };
}
