/**
 * @module wasi/random
 * `wasi:random/random`, `wasi:random/insecure` and `wasi:random/insecure-seed` @0.2.x,
 * all backed by the host's CSPRNG (`node:crypto`).
 */
import { randomBytes } from "node:crypto";

function u64(): bigint {
  return randomBytes(8).readBigUInt64LE(0);
}

function bytes(len: bigint): Uint8Array {
  return new Uint8Array(randomBytes(Number(len)));
}

/** The `wasi:random/random` import namespace. */
export const random = {
  /** WIT: `get-random-bytes: func(len: u64) -> list<u8>;` */
  getRandomBytes: bytes,
  /** WIT: `get-random-u64: func() -> u64;` */
  getRandomU64: u64,
} as const;

/** The `wasi:random/insecure` import namespace. */
export const insecure = {
  /** WIT: `get-insecure-random-bytes: func(len: u64) -> list<u8>;` */
  getInsecureRandomBytes: bytes,
  /** WIT: `get-insecure-random-u64: func() -> u64;` */
  getInsecureRandomU64: u64,
} as const;

/** The `wasi:random/insecure-seed` import namespace. */
export const insecureSeed = {
  /** WIT: `insecure-seed: func() -> tuple<u64, u64>;` */
  insecureSeed: (): [bigint, bigint] => [u64(), u64()],
} as const;
