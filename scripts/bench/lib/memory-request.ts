/**
 * @module scripts/bench/lib/memory-request
 * The request of an in-memory exchange (process-cost's, anatomy's): a `GET` to bench.local
 * whose body is empty and already ended, so a guest reading it gets its end at once.
 */
import type {
  FieldEntry,
  IncomingRequestData,
  RequestBodySource,
} from "../../../host/wasi/index.ts";

/** `GET pathWithQuery` on `http://bench.local`. */
export function benchGet(pathWithQuery: string): IncomingRequestData {
  return {
    method: "GET",
    pathWithQuery,
    scheme: "http",
    authority: "bench.local",
    headers: [["host", new TextEncoder().encode("bench.local")]],
  };
}

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
