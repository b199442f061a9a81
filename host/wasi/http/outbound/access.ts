/**
 * @module wasi/http/outbound/access
 * What a process's outbound requests need from the process: its component's policy and limit,
 * and where refusals and finished requests are reported (a log line, the metrics). Implemented
 * by process/process.ts, so wasi/ imports neither the process nor the server.
 */
import { policyFor, type OutboundPolicy } from "./policy.ts";

/** Where outbound requests are counted (the server's metrics; a no-op elsewhere). */
export interface OutboundObserver {
  /** A request `allow-outbound` refused. */
  denied(component: string): void;
  /** A request ended: its response body ended, or it failed (`status` is then the error tag). */
  finished(component: string, origin: string, status: string, seconds: number): void;
}

/** Counts nothing. */
export const IGNORE_OUTBOUND: OutboundObserver = {
  denied: () => undefined,
  finished: () => undefined,
};

export interface OutboundAccess {
  /** The component's `allow-outbound`. */
  readonly policy: OutboundPolicy;
  /** `max-outbound-per-process`: requests open at once; past it: `connection-limit-reached`. */
  readonly maxOpen: number;
  /** Logs (naming the component and the URL) and counts a refused request. */
  denied(url: string, why: string): void;
  /** Counts a request that ended. */
  finished(origin: string, status: string, seconds: number): void;
}

/** Nothing allowed, nothing reported: a context that serves no request (the load-time instance). */
export const NO_OUTBOUND: OutboundAccess = {
  policy: policyFor([]),
  maxOpen: 0,
  denied: () => undefined,
  finished: () => undefined,
};
