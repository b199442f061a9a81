/**
 * @module wasi/io/poll
 * `wasi:io/poll@0.2.x`: pollables and `poll`, the calls that park a process.
 *
 * A {@link Pollable} wraps a {@link Readiness} (a timer, a body channel with room, a request
 * body with data). Blocking on one that is not ready parks the process through
 * `WasiContext.park`: the guest is JSPI-suspended until the readiness resolves, and nothing
 * polls in the meantime.
 */
import type { WasiContext } from "../context.ts";
import { blockingCall } from "../blocking.ts";
import { trap } from "../errors.ts";
import { RESOURCE_BYTES } from "../host-memory.ts";
import type { Readiness } from "./readiness.ts";

/**
 * Waits for `source` the way every blocking call does: parks the process when it is not ready,
 * and otherwise returns through the fairness check.
 */
export function waitReady(ctx: WasiContext, source: Readiness): void | Promise<void> {
  return blockingCall(ctx, (wait) => (source.isReady() ? undefined : wait(source.whenReady())));
}

/** WIT: `resource pollable { ready: func() -> bool; block: func(); }` */
export class Pollable {
  readonly ctx: WasiContext;
  readonly #source: Readiness;

  /**
   * Host-only constructor (the WIT has none). Charged to the process's host memory until
   * dropped. Traps: over its `max-host-memory-mb`.
   */
  constructor(ctx: WasiContext, source: Readiness) {
    ctx.hostMemory.charge(RESOURCE_BYTES, "a pollable");
    this.ctx = ctx;
    this.#source = source;
  }

  /** WIT: `ready: func() -> bool;` */
  ready(): boolean {
    return this.#source.isReady();
  }

  /** Resolves when ready; used by `poll` to wait on several at once. */
  whenReady(): Promise<void> {
    return this.#source.whenReady();
  }

  /**
   * WIT: `block: func();` Parks the process until the pollable is ready.
   * Errors: rejects with the kill reason if the process is killed while parked.
   */
  block(): void | Promise<void> {
    return waitReady(this.ctx, this.#source);
  }

  [Symbol.dispose](): void {
    this.ctx.hostMemory.release(RESOURCE_BYTES);
    this.#source.dispose?.();
  }
}

/**
 * WIT: `poll: func(in: list<borrow<pollable>>) -> list<u32>;`
 * Returns the indices of the ready pollables, parking until at least one is ready.
 * Traps: on an empty list (it could never return).
 */
export function poll(pollables: Pollable[]): Uint32Array | Promise<Uint32Array> {
  const first = pollables[0];
  if (first === undefined) trap("poll: the list of pollables is empty");
  return blockingCall(first.ctx, (wait) => {
    const now = readyIndices(pollables);
    if (now.length > 0) return now;
    return (async () => {
      let ready = now;
      // A readiness can lapse between its wake-up and this check (another writer took the
      // room), so wait again until one is ready when we look.
      while (ready.length === 0) {
        await wait(Promise.race(pollables.map((p) => p.whenReady())));
        ready = readyIndices(pollables);
      }
      return ready;
    })();
  });
}

function readyIndices(pollables: Pollable[]): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < pollables.length; i++) if (pollables[i]!.ready()) out.push(i);
  return Uint32Array.from(out);
}

/** The `wasi:io/poll` import namespace. */
export const ioPoll = { Pollable, poll } as const;
