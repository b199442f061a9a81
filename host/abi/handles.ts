/**
 * @module abi/handles
 * One process's resource handle table: the guest holds `i32` handles, the host the objects.
 *
 * One table serves every resource type of the instance; each slot remembers its type, so a
 * handle of the wrong type is refused as the canonical ABI requires (a trap). Handle 0 is
 * never valid. Freed slots are reused (a free list), so a long-lived stream that makes and
 * drops pollables keeps a small table.
 */
import { GuestTrap } from "../wasi/errors.ts";
import type { ResourceType } from "./types.ts";

export class HandleTable {
  readonly #objects: unknown[] = [undefined];
  readonly #types: (ResourceType | null)[] = [null];
  readonly #free: number[] = [];

  /** A new owned handle for `object`. */
  insert(type: ResourceType, object: unknown): number {
    const handle = this.#free.pop() ?? this.#objects.length;
    this.#objects[handle] = object;
    this.#types[handle] = type;
    return handle;
  }

  /** The object behind a borrowed `handle`; traps when it is not a live `type` handle. */
  get(type: ResourceType, handle: number): unknown {
    this.#check(type, handle);
    return this.#objects[handle];
  }

  /** Takes an owned `handle` out of the table (ownership moves to the host). */
  take(type: ResourceType, handle: number): unknown {
    this.#check(type, handle);
    const object = this.#objects[handle];
    this.#objects[handle] = undefined;
    this.#types[handle] = null;
    this.#free.push(handle);
    return object;
  }

  #check(type: ResourceType, handle: number): void {
    const held = this.#types[handle];
    if (held === type) return;
    // Resource types are one object per WIT resource (abi/interfaces), so identity suffices.
    throw new GuestTrap(
      held === null || held === undefined
        ? `unknown handle ${handle} (expected a ${type.key})`
        : `handle ${handle} is a ${held.key}, not a ${type.key}`,
    );
  }
}
