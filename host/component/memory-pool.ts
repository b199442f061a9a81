/**
 * @module component/memory-pool
 * Reused linear memories for one core module, so that a request does not pay for a fresh one.
 *
 * A fresh `WebAssembly.Memory` costs its first-touch page faults, and on a VM those are dear:
 * measured here, one fault on fresh memory costs ~300 µs (mmap + touch + munmap in C), more than
 * the rest of a small guest's request. So each process still gets a brand-new instance, but its
 * memory comes from this pool: capped at `max-memory-mb` like any other, and zeroed before
 * reuse. Instantiation then writes the module's data segments again, so the instance starts
 * from exactly the state a fresh memory would give it.
 *
 * A memory is reused only when its process ended normally (or disconnected) and the memory did
 * not grow (wasm memories cannot shrink); any other memory is dropped for the GC. The pool keeps
 * at most {@link POOL_BYTES} of idle memory per module (at least one memory).
 */

import { WASM_PAGE_BYTES, type MemoryLimits } from "./wasm-binary.ts";

/** Idle bytes one module's pool may keep. */
export const POOL_BYTES = 64 * 1024 * 1024;

export class MemoryPool {
  readonly #initial: number;
  readonly #maximum: number | undefined;
  readonly #initialBytes: number;
  readonly #maxIdle: number;
  readonly #idle: WebAssembly.Memory[] = [];

  constructor(limits: MemoryLimits) {
    this.#initial = Number(limits.initialPages);
    this.#maximum = limits.maximumPages === undefined ? undefined : Number(limits.maximumPages);
    this.#initialBytes = this.#initial * WASM_PAGE_BYTES;
    this.#maxIdle = Math.max(1, Math.floor(POOL_BYTES / Math.max(this.#initialBytes, 1)));
  }

  /** Idle memories held. */
  get idle(): number {
    return this.#idle.length;
  }

  /** A zeroed memory of the module's initial size and cap. */
  acquire(): WebAssembly.Memory {
    return (
      this.#idle.pop() ??
      new WebAssembly.Memory(
        this.#maximum === undefined
          ? { initial: this.#initial }
          : { initial: this.#initial, maximum: this.#maximum },
      )
    );
  }

  /**
   * Takes a memory back once its process has ended. `clean`: the process ended normally, so
   * nothing it left behind matters once the memory is zeroed.
   */
  release(memory: WebAssembly.Memory, clean: boolean): void {
    if (!clean || memory.buffer.byteLength !== this.#initialBytes) return;
    if (this.#idle.length >= this.#maxIdle) return;
    // Invariant: the process that used it has ended, so no instance can touch it any more.
    new Uint8Array(memory.buffer).fill(0);
    this.#idle.push(memory);
  }
}
