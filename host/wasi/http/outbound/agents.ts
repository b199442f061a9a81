/**
 * @module wasi/http/outbound/agents
 * The undici dispatchers outbound requests go through: one {@link Agent} per policy and connect
 * timeout (undici's connect timeout is a connector setting), each keeping one connection pool
 * per origin, on this thread. Its connections resolve names through the policy's guarded
 * lookup (lookup.ts).
 */
import { Agent } from "undici";
import { guardedLookup } from "./lookup.ts";
import type { OutboundPolicy } from "./policy.ts";

/** Idle keep-alive connections close after this long (undici's default is 4 s). */
const KEEP_ALIVE_MS = 4_000;
/** At most this many connections per origin and agent (a pool, not one per request). */
const CONNECTIONS_PER_ORIGIN = 64;

const AGENTS = new WeakMap<OutboundPolicy, Map<number, Agent>>();

/** The agent for `policy`'s requests whose connect timeout is `connectMs`. */
export function agentFor(policy: OutboundPolicy, connectMs: number): Agent {
  let byTimeout = AGENTS.get(policy);
  if (byTimeout === undefined) {
    byTimeout = new Map();
    AGENTS.set(policy, byTimeout);
  }
  let agent = byTimeout.get(connectMs);
  if (agent === undefined) {
    agent = new Agent({
      connect: { lookup: guardedLookup(policy), timeout: connectMs },
      keepAliveTimeout: KEEP_ALIVE_MS,
      connections: CONNECTIONS_PER_ORIGIN,
      // Timeouts between bytes are the request's own (send.ts); undici's stay off.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    byTimeout.set(connectMs, agent);
  }
  return agent;
}
