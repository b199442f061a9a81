import { describe, expect, it } from "vitest";
import { parsePattern, shapeOf, toFindMyWay } from "./pattern.ts";

function segments(path: string) {
  const parsed = parsePattern(path);
  if (!parsed.ok) throw new Error(`unexpected: ${parsed.reason}`);
  return parsed.segments;
}

function reason(path: string): string {
  const parsed = parsePattern(path);
  if (parsed.ok) throw new Error(`${path} should be rejected`);
  return parsed.reason;
}

describe("parsePattern", () => {
  it("parses static, param and wildcard segments", () => {
    expect(segments("/users/:id/files/*")).toEqual([
      { kind: "static", value: "users" },
      { kind: "param", name: "id" },
      { kind: "static", value: "files" },
      { kind: "wildcard" },
    ]);
  });

  it("keeps the root and a trailing slash as an empty last segment", () => {
    expect(segments("/")).toEqual([{ kind: "static", value: "" }]);
    expect(segments("/a/")).toEqual([
      { kind: "static", value: "a" },
      { kind: "static", value: "" },
    ]);
  });

  it("accepts non-ASCII and RFC 3986 sub-delimiters in static text", () => {
    expect(segments("/café/a-b.c~d!$&'()+,;=@")).toHaveLength(2);
  });

  it.each([
    ["users", `must start with "/"`],
    ["", `must start with "/"`],
    ["/a/*/b", `"*" is only allowed as the last segment`],
    ["/a*", `"*" must be a whole segment`],
    ["/users/:", "a parameter needs a name"],
    ["/users/:id-x", `parameter name "id-x"`],
    ["/a/:id/b/:id", `parameter ":id" appears twice`],
    ["/a//b", "empty segment"],
    ["/a/../b", `".." segments are not allowed`],
    ["/a:b", `":" may only start a segment`],
    ["/caf%C3%A9", `"%" (percent-encoding) is not allowed`],
    ["/a?x=1", "no query or fragment"],
    ["/a#top", "no query or fragment"],
    ["/a b", `character " " is not allowed`],
  ])("rejects %j", (path, expected) => {
    expect(reason(path)).toContain(expected);
  });
});

describe("shapeOf", () => {
  it("erases parameter names", () => {
    expect(shapeOf(segments("/users/:id"))).toBe(shapeOf(segments("/users/:name")));
    expect(shapeOf(segments("/users/:id/*"))).toBe("/users/<x>/*");
  });

  it("keeps static text and the trailing slash", () => {
    expect(shapeOf(segments("/users/me"))).not.toBe(shapeOf(segments("/users/:id")));
    expect(shapeOf(segments("/a/"))).not.toBe(shapeOf(segments("/a")));
  });
});

describe("toFindMyWay", () => {
  it("spells parameters as non-empty regex parameters", () => {
    expect(toFindMyWay(segments("/users/:id/*"))).toBe("/users/:id(.+)/*");
    expect(toFindMyWay(segments("/"))).toBe("/");
  });
});
