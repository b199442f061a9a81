import { describe, expect, it } from "vitest";
import { parseRouteKey, parseRouteTarget } from "./routes.ts";

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

describe("parseRouteTarget", () => {
  it.each(["ticks", "my-app_2", "constructor"])("reads %j as a component", (value) => {
    expect(parseRouteTarget(value)).toEqual({
      ok: true,
      target: { kind: "component", component: value },
    });
  });

  it.each([
    ["api#feed", "api", "feed"],
    ["My_mod-2#get-user_1", "My_mod-2", "get-user_1"],
  ])("reads %j as a handler", (value, module, fn) => {
    expect(parseRouteTarget(value)).toEqual({
      ok: true,
      target: { kind: "handler", module, function: fn },
    });
  });

  it.each(["api#", "#feed", "#", "a#b#c", "1api#feed", "api#fe ed", "api#2feed", "a.b#c"])(
    "rejects %j",
    (value) => {
      expect(parseRouteTarget(value)).toEqual({
        ok: false,
        reason: `"${value}" is not a handler: write "module#function", each a letter, then letters, digits, "_" or "-"`,
      });
    },
  );
});
