/**
 * @module wasi/clocks/monotonic-clock
 * `wasi:clocks/monotonic-clock@0.2.x`: nanoseconds from `process.hrtime`, and timer pollables
 * that park the process until an instant.
 */
import type { WasiContext } from "../context.ts";
import { Pollable } from "../io/poll.ts";
import type { Readiness } from "../io/readiness.ts";

/** WIT: `now: func() -> instant;` (u64 nanoseconds) */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** WIT: `resolution: func() -> duration;` */
export function resolution(): bigint {
  return 1n;
}

/** A timer readiness: one `setTimeout` per timer, shared by every wait, cleared on dispose. */
class Deadline implements Readiness {
  readonly #at: bigint;
  #timer: NodeJS.Timeout | undefined;
  #wait: Promise<void> | undefined;
  #release: () => void;

  constructor(ctx: WasiContext, at: bigint) {
    this.#at = at;
    this.#release = ctx.own({ dispose: () => this.dispose() });
  }

  isReady(): boolean {
    return process.hrtime.bigint() >= this.#at;
  }

  whenReady(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    this.#wait ??= new Promise<void>((resolve) => {
      const ms = Number((this.#at - process.hrtime.bigint()) / 1_000_000n) + 1;
      // setTimeout's limit is 2^31-1 ms; a longer wait re-arms when it fires early.
      this.#timer = setTimeout(
        () => {
          this.#wait = undefined;
          this.#timer = undefined;
          resolve();
        },
        Math.min(Math.max(ms, 0), 2 ** 31 - 1),
      );
    });
    return this.#wait;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release();
  }
}

/** The `wasi:clocks/monotonic-clock` import namespace for one process. */
export function monotonicClock(ctx: WasiContext) {
  return {
    now,
    resolution,
    /** WIT: `subscribe-instant: func(when: instant) -> pollable;` */
    subscribeInstant: (when: bigint): Pollable => new Pollable(ctx, new Deadline(ctx, when)),
    /** WIT: `subscribe-duration: func(when: duration) -> pollable;` */
    subscribeDuration: (when: bigint): Pollable =>
      new Pollable(ctx, new Deadline(ctx, process.hrtime.bigint() + when)),
  };
}
