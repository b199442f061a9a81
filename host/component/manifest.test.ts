import { describe, expect, it } from "vitest";
import { parseManifest } from "./manifest.ts";

describe("parseManifest", () => {
  it("accepts modules with http and sse handlers, in order", () => {
    const raw = [
      {
        name: "api",
        handlers: [
          { name: "feed", kind: "sse" },
          { name: "get-user_2", kind: "http" },
        ],
      },
      { name: "Admin", handlers: [] },
    ];
    expect(parseManifest(raw)).toEqual({ ok: true, modules: raw });
  });

  it("accepts an empty manifest", () => {
    expect(parseManifest([])).toEqual({ ok: true, modules: [] });
  });

  const NAME = `a name of a letter, then letters, digits, "_" or "-"`;

  it.each([
    ["a module name starting with a digit", [{ name: "1api", handlers: [] }], `0.name: ${NAME}`],
    ["an empty module name", [{ name: "", handlers: [] }], `0.name: ${NAME}`],
    [
      "a handler name with a space",
      [{ name: "api", handlers: [{ name: "fe ed", kind: "http" }] }],
      `0.handlers.0.name: ${NAME}`,
    ],
    [
      "a handler name with #",
      [
        { name: "ok", handlers: [] },
        { name: "api", handlers: [{ name: "a#b", kind: "sse" }] },
      ],
      `1.handlers.0.name: ${NAME}`,
    ],
  ])("rejects %s", (_case, raw, reason) => {
    expect(parseManifest(raw)).toEqual({ ok: false, reason });
  });

  it("rejects an unknown kind, naming the field", () => {
    expect(parseManifest([{ name: "api", handlers: [{ name: "feed", kind: "ws" }] }])).toEqual({
      ok: false,
      reason: `0.handlers.0.kind: Invalid option: expected one of "http"|"sse"|"websocket"`,
    });
  });

  it("rejects a module listed twice", () => {
    const raw = [
      { name: "api", handlers: [{ name: "a", kind: "http" }] },
      { name: "api", handlers: [{ name: "b", kind: "http" }] },
    ];
    expect(parseManifest(raw)).toEqual({ ok: false, reason: `module "api" listed twice` });
  });

  it("rejects a handler listed twice in one module, but not across modules", () => {
    const twice = [
      {
        name: "api",
        handlers: [
          { name: "feed", kind: "http" },
          { name: "feed", kind: "sse" },
        ],
      },
    ];
    expect(parseManifest(twice)).toEqual({
      ok: false,
      reason: `handler "api#feed" listed twice`,
    });
    const across = [
      { name: "a", handlers: [{ name: "feed", kind: "http" }] },
      { name: "b", handlers: [{ name: "feed", kind: "http" }] },
    ];
    expect(parseManifest(across).ok).toBe(true);
  });

  it.each([
    ["an object", { name: "api", handlers: [] }, "object"],
    ["a string", "api", "string"],
    ["undefined", undefined, "undefined"],
  ])("rejects %s at the root", (_case, raw, received) => {
    expect(parseManifest(raw)).toEqual({
      ok: false,
      reason: `(root): Invalid input: expected array, received ${received}`,
    });
  });

  it("rejects handlers that are not an array", () => {
    expect(parseManifest([{ name: "api", handlers: {} }])).toEqual({
      ok: false,
      reason: "0.handlers: Invalid input: expected array, received object",
    });
  });
});
