/**
 * @module wasi/host-memory
 * What a process makes the host hold for it, counted against its cap (`max-host-memory-mb`).
 *
 * A guest's linear memory is capped by V8 (`max-memory-mb`); what its host calls allocate on
 * the host's heap is not. A guest capped at 8 MiB could append 256 MiB of header fields, or
 * make millions of pollables, and grow the whole server. So host objects a guest creates and
 * keeps charge their size here: header and trailer fields (names and values, plus a per-entry
 * and per-object overhead) and pollables. Going over the cap throws
 * {@link HostMemoryExceeded}: the guest traps and the process ends `oom`. Dropping or
 * disposing an object gives its bytes back.
 *
 * Not covered: what the host holds anyway and bounds otherwise (the response channel,
 * `body-buffer-kb`; stdio, 64 KiB a stream; the mailbox, `[broker] mailbox` messages; the
 * request, Node's own header limit), JS engine overhead beyond the fixed per-object charge,
 * and objects jco's glue keeps for its own bookkeeping.
 */
import { GuestTrap } from "./errors.ts";

/** What one field entry costs beyond its name and value bytes (array slot, tuple, buffer). */
export const FIELD_ENTRY_BYTES = 96;
/** What one host resource object costs (a `fields`, a `pollable`, its handle-table slot). */
export const RESOURCE_BYTES = 160;

/** The process asked the host to hold more than its cap: it traps, and ends `oom`. */
export class HostMemoryExceeded extends GuestTrap {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, "name", { value: "HostMemoryExceeded" });
  }
}

export class HostMemory {
  /** Bytes a process may make the host hold; Infinity for no cap. */
  readonly capBytes: number;
  #used = 0;
  #exceeded: string | null = null;

  constructor(capBytes: number) {
    this.capBytes = capBytes;
  }

  /** An account with no cap (a context that serves no request: the load-time manifest read). */
  static unlimited(): HostMemory {
    return new HostMemory(Infinity);
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Why the cap was hit (the first time), or null. */
  get exceeded(): string | null {
    return this.#exceeded;
  }

  /**
   * Counts `bytes` more, for `what` (in the message).
   * Traps: {@link HostMemoryExceeded} when that would go over the cap (nothing is counted then).
   */
  charge(bytes: number, what: string): void {
    if (this.#used + bytes > this.capBytes) {
      const message = `${what} would make the host hold ${this.#used + bytes} bytes for this process, over its max-host-memory-mb (${this.capBytes} bytes)`;
      this.#exceeded ??= message;
      throw new HostMemoryExceeded(message);
    }
    this.#used += bytes;
  }

  /** Gives `bytes` back. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
