/**
 * @module stream/write-all
 * The one bounded write loop: writes a whole byte array into a permit-sized writer (a
 * {@link ByteChannel}, or a wasi output-stream's target), parking while it is full. Used by
 * wasi `blocking-write-and-flush` (wasi/io/streams.ts) and by `rusm:guest/sse` event writes
 * (rusm-guest/sse.ts).
 */
import type { ByteChannel } from "./channel.ts";

/** The writer side a loop needs: the free room, and a write of at most that much. */
export type PermitWriter = Pick<ByteChannel, "permit" | "write">;

/**
 * Writes all of `bytes` in permit-sized pieces. When the writer is full, awaits `room()` (the
 * caller parks the process there) and tries again. Synchronous (no promise) when everything
 * fits at once, so a JSPI caller that did not wait does not suspend.
 *
 * Errors: whatever `permit` or `write` throws, at once or as the promise's rejection; a writer
 * whose reader is gone throws from `permit` (ChannelClosed, or the WIT `closed`), so the loop
 * fails as soon as the client leaves.
 */
export function writeAll(
  writer: PermitWriter,
  bytes: Uint8Array,
  room: () => Promise<void>,
): void | Promise<void> {
  let offset = 0;
  // Writes what fits now; true when all of it is written, false when the writer is full.
  const step = (): boolean => {
    while (offset < bytes.length) {
      const permit = writer.permit();
      if (permit === 0) return false;
      const n = Math.min(permit, bytes.length - offset);
      // Invariant: a channel keeps the array it is given and never writes into it, so a view
      // of the caller's bytes (a shared SSE encoding, a guest's list<u8>) is safe to hand over.
      writer.write(offset === 0 && n === bytes.length ? bytes : bytes.subarray(offset, offset + n));
      offset += n;
    }
    return true;
  };
  if (step()) return undefined;
  return (async () => {
    // Invariant: `room()` resolves when room frees or when the writer closes; a closed writer
    // then throws from permit() in step(), which ends the loop.
    do await room();
    while (!step());
  })();
}
