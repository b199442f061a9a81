/**
 * @module scripts/bench/fanout/message
 * What the fanout bench publishes: `<seq> <sent-ns>`, a single line of ~25 bytes. `seq` numbers
 * a side's messages from 0; `sent-ns` is `process.hrtime` when the publisher sent it (the
 * monotonic clock, the same in every process on the machine).
 */

/** The topic every subscriber of the bench listens to. */
export const TOPIC = "bench";

/** Heartbeat interval asked of both servers (`?hb=`), ms: longer than a run, so none is sent. */
export const HEARTBEAT_MS = 600_000;

/** The monotonic clock in ns, as a number (exact: it stays far below 2^53). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

export function messageText(seq: number, sentNs: number): string {
  return `${seq} ${sentNs}`;
}

/** The seq of a message in `text` from `start` (a `data:` line's value); NaN when there is none. */
export function seqAt(text: string, start: number): number {
  return Number.parseInt(text.slice(start, text.indexOf(" ", start)), 10);
}
