import { describe, expect, it } from "vitest";
import type { RusmError } from "../errors.ts";
import { thrownRusmError } from "../errors.test-support.ts";
import { createRouter, type RouteSpec } from "./router.ts";

/** Routes from "METHOD /path" strings, route i on line 10 + i. */
function specs(...patterns: string[]): Array<RouteSpec<number>> {
  return patterns.map((pattern, i) => {
    const [first, second] = pattern.split(/\s+/);
    const where = { file: "/srv/routes.toml", line: 10 + i, column: 1 };
    return second === undefined
      ? { method: null, path: first!, target: i, pattern, where }
      : { method: first!, path: second, target: i, pattern, where };
  });
}

const conflict = (...patterns: string[]): RusmError =>
  thrownRusmError(() => createRouter(specs(...patterns)));

describe("route conflicts", () => {
  it("rejects the same method and shape, whatever the param names", () => {
    const err = conflict("GET /a", "GET /users/:id", "GET /users/:name");
    expect(err.code).toBe("RUSM_ROUTE_CONFLICT");
    expect(err.message).toBe(
      `route "GET /users/:name" conflicts with "GET /users/:id" (line 11): both match GET /users/<x>`,
    );
    expect(err.where).toEqual({ file: "/srv/routes.toml", line: 12, column: 1 });
    expect(err.hint).toBeTruthy();
  });

  it("rejects an any-method route and a method route on the same shape, in either order", () => {
    const a = conflict("/files/*", "POST /files/*");
    expect(a.message).toBe(
      `route "POST /files/*" conflicts with "/files/*" (line 10): both match POST /files/*`,
    );
    expect(a.where?.line).toBe(11);
    const b = conflict("DELETE /x/:id", "/x/:key");
    expect(b.message).toContain(`both match DELETE /x/<x>`);
  });

  it("rejects two any-method routes on the same shape", () => {
    expect(conflict("/a/:x", "/a/:y").message).toContain("both match every method on /a/<x>");
  });

  it("rejects an explicit HEAD route against an any-method route", () => {
    expect(conflict("/a", "HEAD /a").message).toContain("both match HEAD /a");
  });

  it("rejects exact duplicates after normalisation (extra spaces in the key)", () => {
    const err = conflict("GET /a", "GET   /a");
    expect(err.message).toBe(
      `route "GET   /a" conflicts with "GET /a" (line 10): both match GET /a`,
    );
  });

  it("omits the line when the earlier route has no location", () => {
    const routes = specs("GET /a", "GET /a");
    delete routes[0]!.where;
    expect(() => createRouter(routes)).toThrow(
      `route "GET /a" conflicts with "GET /a": both match GET /a`,
    );
  });

  it("accepts static against param, different methods, GET against HEAD and trailing slashes", () => {
    expect(() =>
      createRouter(
        specs(
          "GET /users/me",
          "GET /users/:id",
          "POST /users/:id",
          "HEAD /users/:id",
          "GET /a",
          "GET /a/",
          "/users/*",
        ),
      ),
    ).not.toThrow();
  });
});
