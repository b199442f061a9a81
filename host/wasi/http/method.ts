/**
 * @module wasi/http/method
 * WIT `method` and `scheme` variants, to and from their HTTP spelling.
 */

/** WIT: `variant method { get, head, post, put, delete, connect, options, trace, patch, other(string) }` */
export type Method =
  | { tag: "get" | "head" | "post" | "put" | "delete" | "connect" | "options" | "trace" | "patch" }
  | { tag: "other"; val: string };

/** WIT: `variant scheme { HTTP, HTTPS, other(string) }` */
export type Scheme = { tag: "HTTP" | "HTTPS" } | { tag: "other"; val: string };

const KNOWN = new Set([
  "get",
  "head",
  "post",
  "put",
  "delete",
  "connect",
  "options",
  "trace",
  "patch",
]);

/** The WIT method for an HTTP method name. */
export function toMethod(name: string): Method {
  const lower = name.toLowerCase();
  return KNOWN.has(lower) ? ({ tag: lower } as Method) : { tag: "other", val: name };
}

/** The HTTP method name for a WIT method. */
export function fromMethod(method: Method): string {
  return method.tag === "other" ? method.val : method.tag.toUpperCase();
}

/** The WIT scheme for `http` / `https`. */
export function toScheme(scheme: "http" | "https"): Scheme {
  return { tag: scheme === "https" ? "HTTPS" : "HTTP" };
}
