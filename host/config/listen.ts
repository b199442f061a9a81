/**
 * @module config/listen
 * Parses a listen address: `host:port`, or `[ipv6]:port` for IPv6. Port 0 asks the OS for a
 * free port. The host is an IPv4 address, a bracketed IPv6 address or a DNS name; an IPv6
 * address comes back without its brackets, as `net.Server.listen` wants it.
 */

import { isIPv4, isIPv6 } from "node:net";

/** Where to listen. */
export interface Listen {
  host: string;
  /** 0..65535; 0 picks a free port. */
  port: number;
}

/** What a listen address looks like, for error messages. */
export const LISTEN_EXPECTED = `a "host:port" address (port 0..65535)`;

/** An example, for hints. */
export const LISTEN_HINT = `write e.g. "127.0.0.1:8080", "0.0.0.0:80" or "[::1]:8080"; port 0 picks a free port`;

const HOSTNAME =
  /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Parses `text`; `reason` says what is wrong when it is not a listen address. Never throws. */
export function parseListen(
  text: string,
): { ok: true; listen: Listen } | { ok: false; reason: string } {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return { ok: false, reason: "missing the :port" };
  const rawHost = text.slice(0, colon);
  const rawPort = text.slice(colon + 1);

  let host = rawHost;
  if (rawHost.startsWith("[") || rawHost.endsWith("]")) {
    host = rawHost.slice(1, -1);
    if (!rawHost.startsWith("[") || !rawHost.endsWith("]") || !isIPv6(host)) {
      return { ok: false, reason: `"${rawHost}" is not a bracketed IPv6 address like [::1]` };
    }
  } else if (rawHost.includes(":")) {
    return { ok: false, reason: `an IPv6 address needs brackets, as in [${rawHost}]:${rawPort}` };
  } else if (rawHost === "") {
    return { ok: false, reason: `missing the host (use 0.0.0.0 for every interface)` };
  } else if (/^[0-9.]+$/.test(rawHost) ? !isIPv4(rawHost) : !HOSTNAME.test(rawHost)) {
    return { ok: false, reason: `"${rawHost}" is not an IPv4 address or a host name` };
  }

  if (!/^[0-9]{1,5}$/.test(rawPort) || Number(rawPort) > 65535) {
    return { ok: false, reason: `port "${rawPort}" is not an integer from 0 to 65535` };
  }
  return { ok: true, listen: { host, port: Number(rawPort) } };
}

/**
 * True when `listen` is reachable from this machine only: an IPv4 address in 127.0.0.0/8,
 * `::1`, an IPv4-mapped `::ffff:127.x.x.x`, or the name `localhost`. Any other name counts as
 * public: it is not resolved here.
 */
export function isLoopback(listen: Listen): boolean {
  const host = listen.host.toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  const v4 = host.startsWith("::ffff:") ? host.slice("::ffff:".length) : host;
  return isIPv4(v4) && v4.startsWith("127.");
}
