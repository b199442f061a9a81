/**
 * @module catalog/packages
 * The packages rusm provides and their versions (catalog/entry.ts says how versions match).
 */
import type { HostPackage } from "./entry.ts";

const wasi = (name: string): HostPackage => ({ name: `wasi:${name}`, version: "0.2.12" });

export const WASI_IO = wasi("io");
export const WASI_CLOCKS = wasi("clocks");
export const WASI_RANDOM = wasi("random");
export const WASI_CLI = wasi("cli");
export const WASI_FILESYSTEM = wasi("filesystem");
export const WASI_HTTP = wasi("http");

/** rusm's guest API (wit/). */
export const RUSM_GUEST: HostPackage = { name: "rusm:guest", version: "0.1.0" };
/** rusm's broker (wit/deps/pubsub). */
export const RUSM_PUBSUB: HostPackage = { name: "rusm:pubsub", version: "0.1.0" };
/** Preemption checks' calls into the host: core-level, in no WIT (preempt/). */
export const RUSM_PREEMPT: HostPackage = { name: "rusm:preempt", version: "0.1.0" };
