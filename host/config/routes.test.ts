import { describe, expect, it } from "vitest";
import { parseRouteKey } from "./routes.ts";

describe("parseRouteKey", () => {
  it.each([
    ["GET /ticks", "GET", "/ticks"],
    ["POST /users/:id", "POST", "/users/:id"],
    ["/static/*", null, "/static/*"],
    ["  DELETE\t/a  ", "DELETE", "/a"],
    ["QUERY /search", "QUERY", "/search"],
  ])("parses %j", (key, method, path) => {
    expect(parseRouteKey(key)).toEqual({ ok: true, route: { method, path } });
  });

  it.each([
    ["get /a", `method "get" must be upper case ("GET")`],
    ["FETCH /a", `"FETCH" is not an HTTP method`],
    ["GET a", `the path must start with "/"`],
    ["GET", `the path must start with "/"`],
    ["", `the path must start with "/"`],
    ["GET /a/*/b", `"*" is only allowed as the last segment`],
    ["GET /users/:", "a parameter needs a name"],
    ["GET /a /b", "found 3 words"],
  ])("rejects %j", (key, reason) => {
    const parsed = parseRouteKey(key);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
