/**
 * @module wasi/http/fields
 * `wasi:http/types@0.2.x` `fields` (headers and trailers): an ordered multimap of lower-case
 * names to byte values. Request headers and a response's own headers are immutable views.
 */
import { WitError } from "../errors.ts";
import type { FieldEntry } from "./exchange.ts";

/** WIT: `variant header-error { invalid-syntax, forbidden, immutable }` */
export type HeaderError = { tag: "invalid-syntax" } | { tag: "forbidden" } | { tag: "immutable" };

/** RFC 9110 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Headers that describe rusm's connection or its proxying, not the message: a guest never sees
 * them on a request (the authority stays available through `incoming-request.authority`) and
 * may not set them (`header-error.forbidden`). The list is wasmtime's
 * `DEFAULT_FORBIDDEN_HEADERS` (wasi-http `lib.rs`), name for name, so a component gets the same
 * answers on rusm as under `wasmtime serve`.
 */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

/**
 * True when Node would write `value` as a header or trailer value: HTAB, visible ASCII and
 * obs-text (0x80-0xff) only, the rule of Node's `checkInvalidHeaderChar`
 * (`/[^\t\x20-\x7e\x80-\xff]/`) and of the http crate's `HeaderValue` under wasmtime. Any other
 * control byte (0x01, DEL, not only NUL, CR and LF) makes Node's `writeHead` or `addTrailers`
 * throw `ERR_INVALID_CHAR`, so it is refused here, where the guest can be told.
 */
export function isFieldValue(value: Uint8Array): boolean {
  for (const byte of value) {
    if (byte < 0x20 ? byte !== 0x09 : byte === 0x7f) return false;
  }
  return true;
}

/** RFC 9110 `token`, the rule Node's `checkIsHttpToken` applies to names. */
export function isFieldName(name: string): boolean {
  return TOKEN.test(name);
}

function fail(tag: HeaderError["tag"]): never {
  throw new WitError<HeaderError>({ tag }, `header error: ${tag}`);
}

function checkName(name: string): string {
  if (!isFieldName(name)) fail("invalid-syntax");
  const lower = name.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower)) fail("forbidden");
  return lower;
}

function checkValue(value: Uint8Array): Uint8Array {
  if (!isFieldValue(value)) fail("invalid-syntax");
  return value;
}

/** WIT: `resource fields` */
export class Fields {
  #entries: FieldEntry[];
  #immutable: boolean;

  /** WIT: `constructor();` An empty, mutable fields. */
  constructor() {
    this.#entries = [];
    this.#immutable = false;
  }

  /** Host-only: fields over `entries` (already validated, names lower-case). */
  static fromHost(entries: FieldEntry[], immutable: boolean): Fields {
    const fields = new Fields();
    fields.#entries = entries;
    fields.#immutable = immutable;
    return fields;
  }

  /**
   * WIT: `from-list: static func(entries: list<tuple<field-name,field-value>>) -> result<fields, header-error>;`
   * Errors: `invalid-syntax` for a bad name or value, `forbidden` for a name in {@link FORBIDDEN_HEADERS}.
   */
  static fromList(entries: FieldEntry[]): Fields {
    return Fields.fromHost(
      entries.map(([name, value]) => [checkName(name), checkValue(value)]),
      false,
    );
  }

  /** WIT: `get: func(name: field-name) -> list<field-value>;` */
  get(name: string): Uint8Array[] {
    const lower = name.toLowerCase();
    return this.#entries.filter(([n]) => n === lower).map(([, v]) => v);
  }

  /** WIT: `has: func(name: field-name) -> bool;` */
  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#entries.some(([n]) => n === lower);
  }

  /** WIT: `set: func(name: field-name, value: list<field-value>) -> result<_, header-error>;` */
  set(name: string, values: Uint8Array[]): void {
    this.#mutable();
    const lower = checkName(name);
    values.forEach(checkValue);
    this.#entries = this.#entries.filter(([n]) => n !== lower);
    for (const value of values) this.#entries.push([lower, value]);
  }

  /** WIT: `delete: func(name: field-name) -> result<_, header-error>;` */
  delete(name: string): void {
    this.#mutable();
    const lower = checkName(name);
    this.#entries = this.#entries.filter(([n]) => n !== lower);
  }

  /** WIT: `append: func(name: field-name, value: field-value) -> result<_, header-error>;` */
  append(name: string, value: Uint8Array): void {
    this.#mutable();
    this.#entries.push([checkName(name), checkValue(value)]);
  }

  /** WIT: `entries: func() -> list<tuple<field-name,field-value>>;` */
  entries(): FieldEntry[] {
    return this.#entries.map(([n, v]) => [n, v]);
  }

  /** WIT: `clone: func() -> fields;` A mutable copy. */
  clone(): Fields {
    return Fields.fromHost(this.entries(), false);
  }

  /** Host-only: the entries, without copying (callers must not mutate). */
  get list(): readonly FieldEntry[] {
    return this.#entries;
  }

  /** Host-only: makes these fields immutable (they now belong to a request or response). */
  freeze(): this {
    this.#immutable = true;
    return this;
  }

  #mutable(): void {
    if (this.#immutable) fail("immutable");
  }
}
