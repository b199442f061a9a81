/**
 * @module wasi/http/outbound/request-body
 * An outbound request's body: the guest writes it into a bounded {@link ByteChannel} (the same
 * as a response body's, so `check-write`, permits and parking are the same), and this readable
 * is the channel's sink and undici's request body. When undici's socket is full, `push`
 * returns false, the channel keeps what the guest writes until its capacity, and the guest's
 * next write parks: a slow upstream back-pressures the guest.
 *
 * HTTP/1.1 request trailers cannot be sent through undici: `outgoing-body.finish`'s trailers
 * are dropped (docs/outbound.md says so).
 */
import { Readable } from "node:stream";
import type { ChannelSink } from "../../../stream/channel.ts";

export class RequestBodyStream extends Readable implements ChannelSink {
  #drain: (() => void) | null = null;

  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }

  override _read(): void {
    this.#drain?.();
  }

  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return true; // the channel is closed by 'close' (send.ts)
    return this.push(chunk);
  }

  flushHead(): void {
    // A request's head is undici's to send.
  }

  end(_trailers?: Array<[string, string]>, last?: Uint8Array): void {
    if (this.destroyed) return;
    if (last !== undefined) this.push(last);
    this.push(null);
  }

  truncate(): void {
    this.destroy(new Error("the guest dropped the request body without finishing it"));
  }

  onDrain(listener: () => void): void {
    this.#drain = listener;
  }

  pending(): number {
    return this.readableLength;
  }

  fault(err: unknown): void {
    this.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}
