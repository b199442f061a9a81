import { describe, expect, it } from "vitest";
import { isRusmError } from "../errors.ts";
import { thrown } from "../errors.test-support.ts";
import { createRouter, type RouteSpec } from "./router.ts";

/** Routes from "METHOD /path" strings; the target is the pattern itself. */
function router(...patterns: string[]) {
  const specs: Array<RouteSpec<string>> = patterns.map((pattern) => {
    const [first, second] = pattern.split(" ");
    return second === undefined
      ? { method: null, path: first!, target: pattern, pattern }
      : { method: first!, path: second, target: pattern, pattern };
  });
  return createRouter(specs);
}

describe("createRouter: matching", () => {
  it("finds a static route and ignores the query string and fragment", () => {
    const r = router("GET /ticks");
    expect(r.match("GET", "/ticks")).toEqual({ kind: "found", target: "GET /ticks", params: {} });
    expect(r.match("GET", "/ticks?n=3&x")).toMatchObject({ kind: "found", target: "GET /ticks" });
    expect(r.match("GET", "/ticks#frag")).toMatchObject({ kind: "found" });
  });

  it("gives named params, percent-decoded", () => {
    const r = router("GET /users/:id/files/:name");
    expect(r.match("GET", "/users/42/files/a%20b%2Fc?q=1")).toEqual({
      kind: "found",
      target: "GET /users/:id/files/:name",
      params: { id: "42", name: "a b/c" },
    });
  });

  it("returns params as a plain object with own properties", () => {
    const hit = router("GET /p/:__proto__").match("GET", "/p/x");
    expect(hit.kind).toBe("found");
    if (hit.kind !== "found") return;
    expect(Object.getPrototypeOf(hit.params)).toBe(Object.prototype);
    expect(Object.keys(hit.params)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(hit.params, "__proto__")?.value).toBe("x");
  });

  it("exposes the wildcard tail as param *, slashes included, possibly empty", () => {
    const r = router("/static/*");
    expect(r.match("GET", "/static/css/a%20b.css")).toMatchObject({
      params: { "*": "css/a b.css" },
    });
    expect(r.match("GET", "/static/")).toMatchObject({ kind: "found", params: { "*": "" } });
    expect(r.match("GET", "/static")).toEqual({ kind: "not-found" });
  });

  it("does not match a parameter against an empty segment", () => {
    expect(router("GET /users/:id").match("GET", "/users/")).toEqual({ kind: "not-found" });
    // ...and falls through to a wildcard instead.
    const r = router("GET /a/:x", "GET /a/*");
    expect(r.match("GET", "/a/")).toMatchObject({ target: "GET /a/*" });
    expect(r.match("GET", "/a/b")).toMatchObject({ target: "GET /a/:x" });
    expect(r.match("GET", "/a/b/c")).toMatchObject({ target: "GET /a/*" });
  });

  it("matches long parameters (find-my-way's default cap is 100 characters)", () => {
    const long = "x".repeat(5000);
    expect(router("GET /u/:id").match("GET", `/u/${long}`)).toMatchObject({ params: { id: long } });
  });

  it("prefers static over param over wildcard, and backtracks", () => {
    const r = router(
      "GET /users/me",
      "GET /users/:id",
      "GET /users/*",
      "GET /a/b/c",
      "GET /a/:x/d",
    );
    expect(r.match("GET", "/users/me")).toMatchObject({ target: "GET /users/me" });
    expect(r.match("GET", "/users/7")).toMatchObject({ target: "GET /users/:id" });
    expect(r.match("GET", "/users/7/x")).toMatchObject({ target: "GET /users/*" });
    expect(r.match("GET", "/a/b/d")).toMatchObject({ target: "GET /a/:x/d", params: { x: "b" } });
  });

  it("ranks any-method and method routes by path specificity alone", () => {
    const r = router("GET /users/me", "/users/:id", "/files/me", "GET /files/:id");
    expect(r.match("GET", "/users/me")).toMatchObject({ target: "GET /users/me" });
    expect(r.match("GET", "/users/1")).toMatchObject({ target: "/users/:id" });
    expect(r.match("POST", "/users/me")).toMatchObject({ target: "/users/:id" });
    expect(r.match("GET", "/files/me")).toMatchObject({ target: "/files/me" });
  });

  it("is case-sensitive, keeps the trailing slash significant and does not collapse //", () => {
    const r = router("GET /a/b");
    expect(r.match("GET", "/A/b").kind).toBe("not-found");
    expect(r.match("GET", "/a/b/").kind).toBe("not-found");
    expect(r.match("GET", "//a/b").kind).toBe("not-found");
  });

  it("treats a malformed percent-escape as not found", () => {
    expect(router("GET /u/:id").match("GET", "/u/%E0%A4%A").kind).toBe("not-found");
  });

  it("matches non-ASCII static text against its percent-encoding", () => {
    expect(router("GET /café").match("GET", "/caf%C3%A9").kind).toBe("found");
  });
});

describe("createRouter: methods", () => {
  it("matches any method with a method-less route", () => {
    const r = router("/hook");
    for (const m of ["GET", "HEAD", "POST", "DELETE", "PATCH", "OPTIONS"]) {
      expect(r.match(m, "/hook")).toMatchObject({ kind: "found", target: "/hook" });
    }
  });

  it("routes HEAD to the GET route when there is no HEAD route", () => {
    expect(router("GET /a").match("HEAD", "/a")).toMatchObject({ kind: "found", target: "GET /a" });
  });

  it("routes HEAD to an explicit HEAD route when it matches, else as GET", () => {
    const r = router("GET /a", "HEAD /a", "GET /users/me", "HEAD /users/:id");
    expect(r.match("HEAD", "/a")).toMatchObject({ target: "HEAD /a" });
    expect(r.match("GET", "/a")).toMatchObject({ target: "GET /a" });
    expect(r.match("HEAD", "/users/7")).toMatchObject({ target: "HEAD /users/:id" });
    expect(r.match("HEAD", "/users/me")).toMatchObject({ target: "HEAD /users/:id" });
  });

  it("routes HEAD exactly as GET, any-method routes included", () => {
    const r = router("/x/*", "GET /x/a");
    expect(r.match("HEAD", "/x/a")).toMatchObject({ target: "GET /x/a" });
    expect(r.match("HEAD", "/x/b")).toMatchObject({ target: "/x/*" });
  });

  it("answers method-not-allowed with the sorted Allow list, HEAD along with GET", () => {
    const r = router("POST /a", "GET /a", "DELETE /a", "PUT /b");
    expect(r.match("PATCH", "/a?x=1")).toEqual({
      kind: "method-not-allowed",
      allow: ["DELETE", "GET", "HEAD", "POST"],
    });
    expect(r.match("GET", "/b")).toEqual({ kind: "method-not-allowed", allow: ["PUT"] });
    expect(r.match("HEAD", "/b")).toEqual({ kind: "method-not-allowed", allow: ["PUT"] });
  });

  it("lists an explicit HEAD route in Allow", () => {
    expect(router("HEAD /a").match("GET", "/a")).toEqual({
      kind: "method-not-allowed",
      allow: ["HEAD"],
    });
  });

  it("answers not-found when no method matches the path", () => {
    const r = router("GET /a", "/any/*");
    expect(r.match("GET", "/b")).toEqual({ kind: "not-found" });
    expect(r.match("POST", "/b")).toEqual({ kind: "not-found" });
  });

  it("compares methods as given: lower-case get is another method", () => {
    expect(router("GET /a").match("get", "/a")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "HEAD"],
    });
  });
});

describe("createRouter: invalid routes", () => {
  const where = { file: "/r.toml", line: 3, column: 1 };

  it("rejects a path outside the pattern syntax", () => {
    const err = thrown(() =>
      createRouter([{ method: "GET", path: "/a/*/b", target: 1, pattern: "GET /a/*/b", where }]),
    );
    expect(isRusmError(err, "RUSM_CONFIG_INVALID")).toBe(true);
    expect(err).toMatchObject({
      where,
      message: expect.stringContaining(`route "GET /a/*/b"`) as unknown,
    });
  });

  it("rejects an unknown method", () => {
    const err = thrown(() =>
      createRouter([{ method: "FETCH", path: "/a", target: 1, pattern: "FETCH /a", where }]),
    );
    expect(isRusmError(err, "RUSM_CONFIG_INVALID")).toBe(true);
    expect((err as Error).message).toContain(`unknown method "FETCH"`);
  });
});
