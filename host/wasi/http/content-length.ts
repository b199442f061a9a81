/**
 * @module wasi/http/content-length
 * The body length a guest declares with `content-length`, read as wasmtime reads it
 * (wasi-http `get_content_length`: `1*DIGIT`, RFC 9110 section 8.6). The response body is then
 * held to it: a write past it fails, a finish short of it fails, and the client never sees a
 * body of another length as complete.
 */
import type { FieldEntry } from "./exchange.ts";

/** `1*DIGIT`: no sign, no spaces, no list. */
const DIGITS = /^[0-9]+$/;

/**
 * The declared length of a message with `headers` (names lower-case): null when there is no
 * `content-length`, `"invalid"` when a value is not `1*DIGIT` (or is past 2^53 - 1 bytes) or
 * when several values disagree (identical repeats count once, as RFC 9110 allows).
 */
export function declaredLength(headers: readonly FieldEntry[]): number | null | "invalid" {
  let length: number | null = null;
  for (const [name, value] of headers) {
    if (name !== "content-length") continue;
    const text = Buffer.from(value).toString("latin1");
    if (!DIGITS.test(text)) return "invalid";
    const n = Number(text);
    if (!Number.isSafeInteger(n)) return "invalid";
    if (length !== null && n !== length) return "invalid";
    length = n;
  }
  return length;
}
