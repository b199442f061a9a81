/**
 * @module router/pattern
 * The route path syntax, defined once: config validates route keys with it and the router
 * compiles it for find-my-way.
 *
 * A path is `/` followed by `/`-separated segments. Each segment is one of:
 * - static text: letters, digits, `-._~!$&'()+,;=@` or any non-ASCII character, matched
 *   case-sensitively against the percent-decoded request path (so `/café` matches
 *   `/caf%C3%A9`). `%`, `:`, `*`, `?`, `#`, spaces and `.`/`..` segments are rejected;
 * - `:name`, a parameter (`name` is `[A-Za-z_][A-Za-z0-9_]*`) that matches one non-empty
 *   segment;
 * - `*`, the wildcard tail, only as the last segment: it matches the rest of the path,
 *   `/` included, and may be empty (`/static/*` matches `/static/` but not `/static`).
 *
 * Only the last segment may be empty: `/a/` (trailing slash) and `/a` are different routes.
 */

/** One segment of a parsed route path. */
export type Segment =
  { kind: "static"; value: string } | { kind: "param"; name: string } | { kind: "wildcard" };

/** The result of {@link parsePattern}: segments, or why the path is invalid. */
export type ParsedPattern = { ok: true; segments: Segment[] } | { ok: false; reason: string };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 3986 pchar without `%` (percent-encoding) and `:` (parameters), plus any non-ASCII.
const STATIC_CHAR = /^[A-Za-z0-9\-._~!$&'()+,;=@\u{80}-\u{10ffff}]$/u;

/** Parses a route path such as `/users/:id` or `/static/*`; never throws. */
export function parsePattern(path: string): ParsedPattern {
  if (!path.startsWith("/")) return bad(`the path must start with "/"`);
  const parts = path.slice(1).split("/");
  const segments: Segment[] = [];
  const names = new Set<string>();
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    if (part === "*") {
      if (!last) return bad(`"*" is only allowed as the last segment, e.g. /static/*`);
      segments.push({ kind: "wildcard" });
    } else if (part.startsWith(":")) {
      const name = part.slice(1);
      if (name === "") return bad(`a parameter needs a name, e.g. /users/:id`);
      if (!PARAM_NAME.test(name)) {
        return bad(`parameter name "${name}" must match [A-Za-z_][A-Za-z0-9_]*`);
      }
      if (names.has(name)) return bad(`parameter ":${name}" appears twice`);
      names.add(name);
      segments.push({ kind: "param", name });
    } else {
      const reason = checkStatic(part, last);
      if (reason !== null) return bad(reason);
      segments.push({ kind: "static", value: part });
    }
  }
  return { ok: true, segments };
}

function checkStatic(part: string, last: boolean): string | null {
  if (part === "") return last ? null : `empty segment ("//") in the path`;
  if (part === "." || part === "..") return `"${part}" segments are not allowed`;
  for (const ch of part) {
    if (STATIC_CHAR.test(ch)) continue;
    if (ch === "*") return `"*" must be a whole segment, and only the last one, e.g. /static/*`;
    if (ch === ":") return `":" may only start a segment, as in /users/:id`;
    if (ch === "%") return `"%" (percent-encoding) is not allowed; write the decoded character`;
    if (ch === "?" || ch === "#") return `a route path has no query or fragment ("${ch}")`;
    return `character ${JSON.stringify(ch)} is not allowed in a route path`;
  }
  return null;
}

function bad(reason: string): ParsedPattern {
  return { ok: false, reason };
}

/**
 * The shape of a path: what it matches, with parameter names erased. Two routes with the same
 * shape match exactly the same request paths (`/users/:id` and `/users/:name` both give
 * `/users/<x>`).
 */
export function shapeOf(segments: readonly Segment[]): string {
  return (
    "/" +
    segments
      .map((s) => (s.kind === "static" ? s.value : s.kind === "param" ? "<x>" : "*"))
      .join("/")
  );
}

/**
 * The find-my-way spelling of a path. A parameter becomes `:name(.+)`: find-my-way's plain
 * `:name` also matches an empty segment (`/users/` would match `/users/:id` with `id = ""`),
 * while a regex parameter that does not match lets the lookup fall through to a wildcard.
 * The regex runs on the decoded segment, so `.+` (not `[^/]+`) keeps `%2F` inside a parameter.
 */
export function toFindMyWay(segments: readonly Segment[]): string {
  return (
    "/" +
    segments
      .map((s) => (s.kind === "static" ? s.value : s.kind === "param" ? `:${s.name}(.+)` : "*"))
      .join("/")
  );
}
