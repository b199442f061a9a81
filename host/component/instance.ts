/**
 * @module component/instance
 * What instantiating a component gives a process: its handler export, every export, and the
 * pooled memories to give back. Its own file so the instantiation paths (load.ts, lean.ts,
 * prewarm.ts) can all name it without importing one another.
 */

/** The `wasi:http/incoming-handler` export of an instance. */
export interface IncomingHandler {
  handle(request: unknown, responseOut: unknown): Promise<void>;
}

/** One process's instance: its handler, and the memories to give back when it ends. */
export interface ComponentInstance {
  readonly handler: IncomingHandler;
  /** Every export of the component, keyed as jco names them (`rusm:guest/manifest@0.1.0`). */
  readonly exports: Readonly<Record<string, unknown>>;
  /**
   * Returns the instance's pooled memories. Call once, after the process ended; `clean` when it
   * ended normally (only then may a memory be reused).
   */
  release(clean: boolean): void;
}
