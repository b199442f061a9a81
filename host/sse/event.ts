/**
 * @module sse/event
 * The text/event-stream wire format (WHATWG HTML §9.2 "Server-sent events"): one event or
 * comment as the bytes a client parses. Pure.
 */

/** One event, every field of the format. */
export interface SseEvent {
  /** `event:`; omitted for the default `message` type. */
  readonly name?: string | undefined;
  /** `data:`; one `data:` line per line of it. */
  readonly data: string;
  /** `id:` */
  readonly id?: string | undefined;
  /** `retry:` in milliseconds. */
  readonly retry?: number | undefined;
}

/** A field value the format cannot carry: it would end the line early. */
export class SseFieldError extends Error {
  override readonly name = "SseFieldError";
}

// The format's line terminators: CRLF, LF or CR alone.
const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;

function singleLine(field: "event" | "id", value: string): string {
  if (HAS_LINE_BREAK.test(value)) {
    throw new SseFieldError(`the ${field} field ${JSON.stringify(value)} contains a line break`);
  }
  return value;
}

/**
 * Formats an event, ending with the blank line that dispatches it.
 * `data` is split at every line break into `data:` lines, which clients join with `\n`.
 *
 * @throws {SseFieldError} when `name` or `id` contains `\r` or `\n`.
 */
export function formatEvent(event: SseEvent): string {
  let out = "";
  if (event.name !== undefined) out += `event: ${singleLine("event", event.name)}\n`;
  if (event.id !== undefined) out += `id: ${singleLine("id", event.id)}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Formats a comment (clients ignore it): one `: ` line per line of `text`. */
export function formatComment(text: string): string {
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += `: ${line}\n`;
  return out;
}
