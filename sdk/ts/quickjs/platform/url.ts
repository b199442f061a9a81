/**
 * @module rusm/guest/quickjs/platform/url
 * `URL` and `URLSearchParams`: what the SDK runtime and guests read from a request's URL.
 */
import { g } from "./global.js";

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
