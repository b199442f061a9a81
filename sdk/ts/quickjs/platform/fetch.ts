/**
 * @module rusm/guest/quickjs/platform/fetch
 * `Headers`, `Request` and `Response` (bodies of strings, bytes or a ReadableStream).
 */
import { g } from "./global.js";
import { PReadableStream } from "./streams.js";
import { fromUtf8, utf8 } from "./text.js";

export type HeadersInit = PHeaders | Array<[string, string]> | Record<string, string>;
export class PHeaders {
  #map = new Map<string, string[]>();
  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof PHeaders || Array.isArray(init)) {
      for (const [k, v] of init) this.append(k, v);
    } else for (const k of Object.keys(init)) this.append(k, init[k]!);
  }
  append(name: string, value: string): void {
    const k = String(name).toLowerCase();
    const list = this.#map.get(k);
    if (list) list.push(String(value));
    else this.#map.set(k, [String(value)]);
  }
  set(name: string, value: string): void {
    this.#map.set(String(name).toLowerCase(), [String(value)]);
  }
  get(name: string): string | null {
    return this.#map.get(String(name).toLowerCase())?.join(", ") ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(String(name).toLowerCase());
  }
  delete(name: string): void {
    this.#map.delete(String(name).toLowerCase());
  }
  forEach(fn: (v: string, k: string) => void): void {
    for (const [k, v] of this) fn(v, k);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [k, vs] of [...this.#map].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (k === "set-cookie") for (const v of vs) yield [k, v];
      else yield [k, vs.join(", ")];
    }
  }
  *keys() {
    for (const [k] of this) yield k;
  }
  *values() {
    for (const [, v] of this) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  /** Every value apart, for the response head. */
  raw(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [k, vs] of this.#map) for (const v of vs) out.push([k, v]);
    return out;
  }
}
g["Headers"] = PHeaders;

type BodyInit = string | ArrayBuffer | ArrayBufferView | PReadableStream | null | undefined;
export async function bytesOf(body: BodyInit | (() => ArrayBuffer)): Promise<Uint8Array> {
  if (body === null || body === undefined) return new Uint8Array(0);
  if (typeof body === "function") return new Uint8Array(body());
  if (typeof body === "string") return utf8(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body))
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(typeof value === "string" ? utf8(value) : new Uint8Array(value as ArrayBuffer));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
class Body {
  #body: BodyInit | (() => ArrayBuffer);
  bodyUsed = false;
  constructor(body: BodyInit | (() => ArrayBuffer)) {
    this.#body = body;
  }
  /** The body as given (the response writer sends strings and bytes in one write). */
  get rawBody(): BodyInit | (() => ArrayBuffer) {
    return this.#body;
  }
  get body(): PReadableStream | null {
    const b = this.#body;
    if (b === null || b === undefined) return null;
    if (b instanceof PReadableStream) return b;
    return new PReadableStream({
      start: async (c) => {
        c.enqueue(await bytesOf(b));
        c.close();
      },
    });
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const bytes = await bytesOf(this.#body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }
  async text(): Promise<string> {
    return fromUtf8(new Uint8Array(await this.arrayBuffer()));
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
export class PRequest extends Body {
  readonly method: string;
  readonly url: string;
  readonly headers: PHeaders;
  constructor(
    input: string | PRequest,
    init: { method?: string; headers?: HeadersInit; body?: BodyInit | (() => ArrayBuffer) } = {},
  ) {
    super(init.body ?? (input instanceof PRequest ? input.rawBody : null));
    this.url = input instanceof PRequest ? input.url : String(input);
    this.method = (init.method ?? (input instanceof PRequest ? input.method : "GET")).toUpperCase();
    this.headers = new PHeaders(
      init.headers ?? (input instanceof PRequest ? input.headers : undefined),
    );
  }
}
export class PResponse extends Body {
  readonly status: number;
  readonly statusText: string;
  readonly headers: PHeaders;
  readonly type = "default";
  constructor(
    body?: BodyInit,
    init: { status?: number; statusText?: string; headers?: HeadersInit } = {},
  ) {
    super(body ?? null);
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? "";
    this.headers = new PHeaders(init.headers);
    if (typeof body === "string" && !this.headers.has("content-type")) {
      this.headers.set("content-type", "text/plain;charset=UTF-8");
    }
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  static json(data: unknown, init: { status?: number; headers?: HeadersInit } = {}): PResponse {
    const headers = new PHeaders(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new PResponse(JSON.stringify(data), { ...init, headers });
  }
  static redirect(url: string, status = 302): PResponse {
    return new PResponse(null, { status, headers: { location: String(url) } });
  }
}
g["Request"] = PRequest;
g["Response"] = PResponse;
