/**
 * @module wasi/http/fields
 * `wasi:http/types@0.2.x` `fields` (headers and trailers): an ordered multimap of lower-case
 * names to byte values. Request headers and a response's own headers are immutable views.
 */
import { WitError } from "../errors.ts";
import { FIELD_ENTRY_BYTES, RESOURCE_BYTES, type HostMemory } from "../host-memory.ts";
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

/** What one entry makes the host hold. */
function entryBytes(name: string, value: Uint8Array): number {
  return name.length + value.length + FIELD_ENTRY_BYTES;
}

/**
 * WIT: `resource fields`
 *
 * Fields a guest makes (its constructor, `from-list`, `clone`) are charged to its process's
 * {@link HostMemory}, entry by entry; going over `max-host-memory-mb` traps (exit `oom`). The
 * request's own headers and trailers are the host's, not charged.
 */
export class Fields {
  #entries: FieldEntry[];
  #immutable: boolean;
  /** The account its entries are charged to, or null (the host's own fields). */
  #account: HostMemory | null = null;
  /** What it has charged so far. */
  #charged = 0;

  /** WIT: `constructor();` An empty, mutable fields (bound to a process: see {@link forProcess}). */
  constructor() {
    this.#entries = [];
    this.#immutable = false;
  }

  /**
   * Host-only: an empty, mutable fields charged to `account` (the per-process constructor of
   * wasi/http/types.ts). Traps: over the process's host memory cap.
   */
  static forProcess(account: HostMemory): Fields {
    const fields = new Fields();
    fields.#charge(account, RESOURCE_BYTES);
    return fields;
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
   * Traps: over the process's host memory cap (`account`).
   */
  static fromList(entries: FieldEntry[], account?: HostMemory): Fields {
    const checked = entries.map(([name, value]): FieldEntry => [
      checkName(name),
      checkValue(value),
    ]);
    const fields = Fields.fromHost(checked, false);
    if (account !== undefined) {
      let bytes = RESOURCE_BYTES;
      for (const [name, value] of checked) bytes += entryBytes(name, value);
      fields.#charge(account, bytes);
    }
    return fields;
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
    let adding = 0;
    for (const value of values) adding += entryBytes(lower, value);
    this.#chargeMore(adding, "fields.set");
    this.#release(this.#removed(lower));
    this.#entries = this.#entries.filter(([n]) => n !== lower);
    for (const value of values) this.#entries.push([lower, value]);
  }

  /** WIT: `delete: func(name: field-name) -> result<_, header-error>;` */
  delete(name: string): void {
    this.#mutable();
    const lower = checkName(name);
    this.#release(this.#removed(lower));
    this.#entries = this.#entries.filter(([n]) => n !== lower);
  }

  /**
   * WIT: `append: func(name: field-name, value: field-value) -> result<_, header-error>;`
   * Traps: over the process's host memory cap.
   */
  append(name: string, value: Uint8Array): void {
    this.#mutable();
    const lower = checkName(name);
    this.#chargeMore(entryBytes(lower, checkValue(value)), "fields.append");
    this.#entries.push([lower, value]);
  }

  /** WIT: `entries: func() -> list<tuple<field-name,field-value>>;` */
  entries(): FieldEntry[] {
    return this.#entries.map(([n, v]) => [n, v]);
  }

  /** WIT: `clone: func() -> fields;` A mutable copy, charged like the original. */
  clone(): Fields {
    const copy = Fields.fromHost(this.entries(), false);
    if (this.#account !== null) {
      let bytes = RESOURCE_BYTES;
      for (const [name, value] of copy.#entries) bytes += entryBytes(name, value);
      copy.#charge(this.#account, bytes);
    }
    return copy;
  }

  /** Dropped by the guest: its bytes go back to the process's account. */
  [Symbol.dispose](): void {
    this.#release(this.#charged);
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

  #charge(account: HostMemory, bytes: number): void {
    account.charge(bytes, "header fields");
    this.#account = account;
    this.#charged += bytes;
  }

  #chargeMore(bytes: number, what: string): void {
    if (this.#account === null) return;
    this.#account.charge(bytes, what);
    this.#charged += bytes;
  }

  #release(bytes: number): void {
    if (this.#account === null || bytes === 0) return;
    const back = Math.min(bytes, this.#charged);
    this.#account.release(back);
    this.#charged -= back;
  }

  /** What the entries named `lower` cost. */
  #removed(lower: string): number {
    let bytes = 0;
    for (const [n, v] of this.#entries) if (n === lower) bytes += entryBytes(n, v);
    return bytes;
  }
}
