/**
 * @module wasi/io/readiness
 * The shapes the io streams and pollables wait on and read from: a {@link Readiness} and an
 * {@link InputSource}. Types only, so the exchange (http/exchange.ts) and the context can name
 * them without importing the stream and poll implementations, which import the context.
 */

/** Something a pollable can wait for. */
export interface Readiness {
  isReady(): boolean;
  /** Resolves once {@link isReady} is true. Never rejects. */
  whenReady(): Promise<void>;
  /** Releases what the readiness holds (a timer). Optional. */
  dispose?(): void;
}

/**
 * Where an input stream's bytes come from. `read` returns at most `max` bytes (possibly none,
 * when nothing is available yet), `null` at the end of the stream, or throws a WitError.
 */
export interface InputSource extends Readiness {
  read(max: number): Uint8Array | null;
}
