/**
 * @module wasi/http/error-code
 * WIT `error-code` (the few cases rusm produces) and `http-error-code`.
 */

import type { IoError } from "../io/error.ts";

/** WIT: `variant error-code { ... }` — rusm produces only these cases; guests may send any. */
export type ErrorCode =
  | { tag: "HTTP-request-denied" }
  | { tag: "HTTP-response-body-size"; val: bigint | undefined }
  | { tag: "internal-error"; val: string | undefined }
  | { tag: string; val?: unknown };

/** A short description of an error code, for logs and error responses. */
export function describeErrorCode(code: ErrorCode): string {
  const val =
    "val" in code && code.val !== undefined ? ` (${JSON.stringify(code.val, bigintSafe)})` : "";
  return `${code.tag}${val}`;
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * WIT: `http-error-code: func(err: borrow<io-error>) -> option<error-code>;` The error code of a
 * failed body write (`HTTP-response-body-size` past a declared `content-length`); none for
 * other stream errors.
 */
export function httpErrorCode(err: IoError): ErrorCode | undefined {
  return err.httpErrorCode as ErrorCode | undefined;
}
