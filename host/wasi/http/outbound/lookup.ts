/**
 * @module wasi/http/outbound/lookup
 * The resolver an outbound connection uses (undici passes it to `net.connect` as `lookup`): the
 * system's (`dns.lookup`), then {@link OutboundPolicy.addressAllowed} on every address it
 * gave, so the address checked is the address connected to (no DNS-rebinding gap between a
 * check and the connection). A name under `.localhost` is loopback without asking the system
 * (RFC 6761 6.3, as browsers do), so such a name never reaches the network's resolver.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import type { OutboundPolicy } from "./policy.ts";

/** Thrown (through the lookup callback) when every address of a name is refused. */
export class AddressDenied extends Error {
  override readonly name = "AddressDenied";
  readonly code = "RUSM_OUTBOUND_ADDRESS_DENIED";
  readonly hostname: string;
  readonly addresses: string[];
  constructor(hostname: string, addresses: string[]) {
    super(
      `${hostname} resolves to ${addresses.join(", ")}: a loopback, private or link-local address that allow-outbound does not list`,
    );
    this.hostname = hostname;
    this.addresses = addresses;
  }
}

function resolveAll(hostname: string, options: LookupAllOptions): Promise<LookupAddress[]> {
  const name = hostname.toLowerCase();
  if (name.endsWith(".localhost")) {
    const v4 = { address: "127.0.0.1", family: 4 };
    const v6 = { address: "::1", family: 6 };
    return Promise.resolve(options.family === 6 ? [v6] : options.family === 4 ? [v4] : [v4, v6]);
  }
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, options, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** A `net.connect` lookup that keeps only the addresses `policy` allows for the name. */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all = (options as { all?: boolean }).all === true;
    resolveAll(hostname, { ...options, all: true }).then(
      (addresses) => {
        const allowed = addresses.filter((a) => policy.addressAllowed(hostname, a.address));
        if (allowed.length === 0) {
          const err = new AddressDenied(
            hostname,
            addresses.map((a) => a.address),
          ) as unknown as NodeJS.ErrnoException;
          callback(err, "", 0);
          return;
        }
        if (all) (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}
