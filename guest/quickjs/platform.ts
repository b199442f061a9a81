/**
 * @module rusm/guest/quickjs/platform
 * What StarlingMonkey provides and QuickJS lacks, for the QuickJS backend (a prototype): the
 * subset of the web platform rusm's SDK and its guests use, over the engine's natives:
 * `console`, timers, `queueMicrotask`, `TextEncoder`/`TextDecoder`, `URL`/`URLSearchParams`,
 * `Headers`, `Request`, `Response`, a pull-based `ReadableStream`, and the fetch event
 * (`addEventListener("fetch")`), plus the two hooks engine.c calls: `__rusm_dispatch` (a
 * request arrived) and `__rusm_timers` (run due timers, say when the next is due).
 *
 * Not covered: fetch() (rusm denies outgoing HTTP anyway), Blob/FormData, streams other than
 * a default ReadableStream with start/pull, Web Crypto, structuredClone.
 */

type Listener = (event: {
  request: Request;
  respondWith(r: Response | Promise<Response>): void;
}) => void;

const g = globalThis as unknown as Record<string, unknown>;

// ---- console ----
function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return `${v.name}: ${v.message}${v.stack ? `\n${v.stack}` : ""}`;
  try {
    return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  } catch {
    return String(v);
  }
}
const line = (args: unknown[]) => args.map(show).join(" ");
g["console"] = {
  log: (...a: unknown[]) => __rusm.print(1, line(a)),
  info: (...a: unknown[]) => __rusm.print(1, line(a)),
  debug: (...a: unknown[]) => __rusm.print(1, line(a)),
  warn: (...a: unknown[]) => __rusm.print(2, line(a)),
  error: (...a: unknown[]) => __rusm.print(2, line(a)),
};

Math.random = () => __rusm.random();

// ---- timers: engine.c runs __rusm_timers once no promise job is pending ----
interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number;
}
let timers: Timer[] = [];
let nextTimer = 1;
function addTimer(fn: unknown, ms: unknown, every: boolean, args: unknown[]): number {
  const delay = Math.max(0, Number(ms) || 0);
  const id = nextTimer++;
  const call = () => (fn as (...a: unknown[]) => void)(...args);
  timers.push({ id, at: __rusm.now() + delay, fn: call, every: every ? Math.max(1, delay) : 0 });
  return id;
}
g["setTimeout"] = (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, false, args);
g["setInterval"] = (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, true, args);
g["clearTimeout"] = g["clearInterval"] = (id: number) => {
  timers = timers.filter((t) => t.id !== id);
};
g["queueMicrotask"] = (fn: () => void) => void Promise.resolve().then(fn);
g["__rusm_timers"] = (): number => {
  if (timers.length === 0) return -1;
  const now = __rusm.now();
  let first = timers[0]!;
  for (const t of timers) if (t.at < first.at) first = t;
  if (first.at > now) return first.at - now;
  if (first.every > 0) first.at = now + first.every;
  else timers = timers.filter((t) => t !== first);
  first.fn();
  return 0;
};

// ---- text ----
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}
function fromUtf8(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length;) {
    const c = b[i++]!;
    let cp = 0xfffd;
    if (c < 0x80) cp = c;
    else if (c >= 0xc0 && c < 0xe0 && i < b.length) cp = ((c & 31) << 6) | (b[i++]! & 63);
    else if (c >= 0xe0 && c < 0xf0 && i + 1 < b.length)
      cp = ((c & 15) << 12) | ((b[i++]! & 63) << 6) | (b[i++]! & 63);
    else if (c >= 0xf0 && i + 2 < b.length)
      cp = ((c & 7) << 18) | ((b[i++]! & 63) << 12) | ((b[i++]! & 63) << 6) | (b[i++]! & 63);
    s += String.fromCodePoint(cp);
  }
  return s;
}
class PTextEncoder {
  readonly encoding = "utf-8";
  encode(s = ""): Uint8Array {
    return utf8(String(s));
  }
}
class PTextDecoder {
  readonly encoding = "utf-8";
  decode(b?: ArrayBuffer | ArrayBufferView): string {
    if (b === undefined) return "";
    const bytes = ArrayBuffer.isView(b)
      ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      : new Uint8Array(b);
    return fromUtf8(bytes);
  }
}
g["TextEncoder"] = PTextEncoder;
g["TextDecoder"] = PTextDecoder;

// ---- URL ----
const decode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
};
class PURLSearchParams {
  #list: Array<[string, string]> = [];
  constructor(init: string | Record<string, string> | Array<[string, string]> = "") {
    if (typeof init === "string") {
      for (const part of init.replace(/^\?/, "").split("&")) {
        if (part === "") continue;
        const eq = part.indexOf("=");
        this.#list.push(
          eq < 0 ? [decode(part), ""] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))],
        );
      }
    } else if (Array.isArray(init)) this.#list = init.map(([k, v]) => [String(k), String(v)]);
    else for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
  }
  get(name: string): string | null {
    return this.#list.find(([k]) => k === name)?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.#list.filter(([k]) => k === name).map(([, v]) => v);
  }
  has(name: string): boolean {
    return this.#list.some(([k]) => k === name);
  }
  set(name: string, value: string): void {
    this.delete(name);
    this.#list.push([name, String(value)]);
  }
  append(name: string, value: string): void {
    this.#list.push([name, String(value)]);
  }
  delete(name: string): void {
    this.#list = this.#list.filter(([k]) => k !== name);
  }
  forEach(fn: (v: string, k: string) => void): void {
    for (const [k, v] of this.#list) fn(v, k);
  }
  entries() {
    return this.#list[Symbol.iterator]();
  }
  [Symbol.iterator]() {
    return this.#list[Symbol.iterator]();
  }
  toString(): string {
    return this.#list
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
  }
}
class PURL {
  protocol: string;
  host: string;
  pathname: string;
  search: string;
  hash: string;
  readonly searchParams: PURLSearchParams;
  constructor(url: string, base?: string) {
    let s = String(url);
    if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) {
      if (base === undefined) throw new TypeError(`Invalid URL: ${s}`);
      const b = new PURL(base);
      s = s.startsWith("/")
        ? `${b.origin}${s}`
        : `${b.origin}${b.pathname.replace(/[^/]*$/, "")}${s}`;
    }
    const m = /^([a-z][a-z0-9+.-]*:)(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(s);
    if (m === null) throw new TypeError(`Invalid URL: ${s}`);
    this.protocol = m[1]!.toLowerCase();
    this.host = (m[2] ?? "").toLowerCase();
    this.pathname = m[3] || "/";
    this.search = m[4] && m[4] !== "?" ? m[4] : "";
    this.hash = m[5] && m[5] !== "#" ? m[5] : "";
    this.searchParams = new PURLSearchParams(this.search);
  }
  get hostname(): string {
    return this.host.replace(/:\d+$/, "");
  }
  get port(): string {
    return /:(\d+)$/.exec(this.host)?.[1] ?? "";
  }
  get origin(): string {
    return `${this.protocol}//${this.host}`;
  }
  get href(): string {
    return `${this.origin}${this.pathname}${this.search}${this.hash}`;
  }
  toString(): string {
    return this.href;
  }
  toJSON(): string {
    return this.href;
  }
}
g["URL"] = PURL;
g["URLSearchParams"] = PURLSearchParams;

// ---- Headers ----
type HeadersInit = PHeaders | Array<[string, string]> | Record<string, string>;
class PHeaders {
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

// ---- ReadableStream: a default stream with start/pull, read by the response writer ----
interface Source {
  start?(c: Controller): unknown;
  pull?(c: Controller): unknown;
  cancel?(reason: unknown): unknown;
}
interface Controller {
  enqueue(chunk: unknown): void;
  close(): void;
  error(e: unknown): void;
  readonly desiredSize: number;
}
class PReadableStream {
  readonly #state = { queue: [] as unknown[], closed: false, error: null as { e: unknown } | null };
  #source: Source;
  #started: Promise<unknown>;
  #controller: Controller;
  locked = false;
  constructor(source: Source = {}) {
    this.#source = source;
    const state = this.#state;
    this.#controller = {
      enqueue: (chunk: unknown) => void state.queue.push(chunk),
      close: () => void (state.closed = true),
      error: (e: unknown) => void (state.error = { e }),
      get desiredSize() {
        return state.queue.length === 0 ? 1 : 0;
      },
    };
    this.#started = Promise.resolve(source.start?.(this.#controller));
  }
  getReader() {
    this.locked = true;
    return {
      read: () => this.#read(),
      cancel: (reason?: unknown) => Promise.resolve(this.#source.cancel?.(reason)),
      releaseLock: () => void (this.locked = false),
    };
  }
  async #read(): Promise<{ value?: unknown; done: boolean }> {
    await this.#started;
    for (;;) {
      const state = this.#state;
      if (state.error) throw state.error.e;
      if (state.queue.length > 0) return { value: state.queue.shift(), done: false };
      if (state.closed || !this.#source.pull) return { done: true };
      await this.#source.pull(this.#controller);
    }
  }
  cancel(reason?: unknown): Promise<unknown> {
    return Promise.resolve(this.#source.cancel?.(reason));
  }
}
g["ReadableStream"] = PReadableStream;

// ---- Request and Response ----
type BodyInit = string | ArrayBuffer | ArrayBufferView | PReadableStream | null | undefined;
async function bytesOf(body: BodyInit | (() => ArrayBuffer)): Promise<Uint8Array> {
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
class PRequest extends Body {
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
class PResponse extends Body {
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

// ---- the fetch event ----
let listener: Listener | null = null;
g["addEventListener"] = (type: string, fn: Listener) => {
  if (type === "fetch") listener = fn;
};

async function send(response: PResponse): Promise<void> {
  const raw = response.rawBody;
  const headers = response.headers.raw();
  // A body of known length goes out with its content-length, as StarlingMonkey sends it.
  let once: Uint8Array | string | null = null;
  if (typeof raw === "string" || raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    once = typeof raw === "string" ? raw : await bytesOf(raw);
    const length = typeof once === "string" ? utf8(once).length : once.length;
    if (!response.headers.has("content-length")) headers.push(["content-length", String(length)]);
  }
  __rusm.respond(response.status, headers);
  if (once !== null) {
    if (once.length > 0) __rusm.write(once);
  } else if (raw instanceof PReadableStream) {
    const reader = raw.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = typeof value === "string" ? value : (value as ArrayBufferView);
      if (!__rusm.write(chunk)) {
        await reader.cancel("the client is gone");
        break;
      }
    }
  }
  __rusm.finish();
}

g["__rusm_dispatch"] = () => {
  if (listener === null) __rusm.abort("the guest registered no fetch handler");
  const [method, authority, path, headers] = __rusm.request();
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new PRequest(`http://${authority}${path}`, {
    method,
    headers,
    body: hasBody ? () => __rusm.body() : null,
  });
  listener({
    request: request as unknown as Request,
    respondWith(r: Response | Promise<Response>) {
      Promise.resolve(r)
        .then((res) => send(res as unknown as PResponse))
        .catch((err: unknown) => __rusm.abort(`the response failed: ${show(err)}`));
    },
  });
};
