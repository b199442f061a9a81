/**
 * @module wasi/context
 * What a process gives the WASI host functions: its id, its limits, how to park, where its
 * stdio goes, and the HTTP exchange it serves. Implemented by process/process.ts; the WASI
 * layer only sees this interface, so it never imports the layers above it.
 */
import type { HttpExchange } from "./http/exchange.ts";
import type { HostMemory } from "./host-memory.ts";
import type { OutboundAccess } from "./http/outbound/access.ts";

/** Something to release when the process ends (timers, readers). */
export interface Disposable {
  dispose(): void;
}

export interface WasiContext {
  /** The process id, as logged. */
  readonly pid: number;
  /** Response body channel capacity in bytes (`body-buffer-kb`). */
  readonly bodyBufferBytes: number;
  /** The request this process serves and where its response goes. */
  readonly exchange: HttpExchange;
  /** What the process makes the host hold (fields, pollables), against `max-host-memory-mb`. */
  readonly hostMemory: HostMemory;
  /** What it may fetch (`allow-outbound`) and where its outbound requests are reported. */
  readonly outbound: OutboundAccess;

  /**
   * Parks the process until `wait` settles: the guest is JSPI-suspended and uses no CPU.
   * Rejects with the kill reason if the process is killed while parked.
   */
  park<T>(wait: Promise<T>): Promise<T>;
  /**
   * Returns to the guest from a blocking call that did not have to wait: usually `undefined`
   * (go on now); a promise when guests have run for a full slice without the event loop
   * turning (it resolves after one turn), or a rejected one when the process was killed.
   */
  resume(): Promise<void> | undefined;
  /** Registers a resource to release when the process ends. Returns a function to unregister. */
  own(resource: Disposable): () => void;
  /** Guest stdout / stderr bytes. Never blocks. */
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
  /** `wasi:cli/exit`: ends the process. Throws. */
  exit(ok: boolean): never;
}
