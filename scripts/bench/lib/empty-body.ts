/**
 * @module scripts/bench/lib/empty-body
 * The request body of an in-memory exchange (process-cost's, anatomy's): empty and already
 * ended, so a guest reading it gets its end at once.
 */
import type { FieldEntry, RequestBodySource } from "../../../host/wasi/index.ts";

export class EmptyBody implements RequestBodySource {
  read(): Uint8Array | null {
    return null;
  }
  isReady(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  trailers(): FieldEntry[] {
    return [];
  }
  discard(): void {}
  ended(): Promise<void> {
    return Promise.resolve();
  }
}
