/**
 * @module wasi/clocks/wall-clock
 * `wasi:clocks/wall-clock@0.2.x`: the host's real-time clock.
 */

/** WIT: `record datetime { seconds: u64, nanoseconds: u32 }` */
export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}

/** The `wasi:clocks/wall-clock` import namespace. */
export const wallClock = {
  /** WIT: `now: func() -> datetime;` */
  now(): Datetime {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
  },
  /** WIT: `resolution: func() -> datetime;` */
  resolution(): Datetime {
    return { seconds: 0n, nanoseconds: 1_000_000 };
  },
} as const;
