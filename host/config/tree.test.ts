import { parseTOML } from "toml-eslint-parser";
import { describe, expect, it } from "vitest";
import { formatKey, pathId, ProtoKeyError, walk } from "./tree.ts";

const tree = (text: string) => walk(parseTOML(text, { tomlVersion: "1.0" }));
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const lineOf = (text: string, path: (string | number)[]) =>
  tree(text).keys.get(pathId(path))?.key.loc.start.line;

describe("walk", () => {
  it("builds the same value as TOML, from headers, dotted keys, inline tables and arrays", () => {
    const text = [
      `top = 1`,
      `a.b.c = "x"`,
      `[t]`,
      `inline = { k = [1, 2, { z = true }] }`,
      `[t.sub]`,
      `"quoted key" = 2.5`,
      `[[arr]]`,
      `n = 1`,
      `[[arr]]`,
      `n = 2`,
    ].join("\n");
    expect(plain(tree(text).value)).toEqual({
      top: 1,
      a: { b: { c: "x" } },
      t: { inline: { k: [1, 2, { z: true }] }, sub: { "quoted key": 2.5 } },
      arr: [{ n: 1 }, { n: 2 }],
    });
  });

  it("builds null-prototype tables", () => {
    const { value } = tree(`[a]\nb = 1`);
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value.a)).toBeNull();
  });

  it("indexes each key path at its first definition", () => {
    const text = `[serve.routes]\n"GET /a" = "x"\n[serve]\nlisten = "y"\n[[arr]]\n[[arr]]`;
    expect(lineOf(text, ["serve"])).toBe(1);
    expect(lineOf(text, ["serve", "routes"])).toBe(1);
    expect(lineOf(text, ["serve", "routes", "GET /a"])).toBe(2);
    expect(lineOf(text, ["serve", "listen"])).toBe(4);
    expect(lineOf(text, ["arr", 1])).toBe(6);
  });

  it("keeps the value node of a key = value", () => {
    const nodes = tree(`x = { a = 1 }\n[y]`).keys;
    expect(nodes.get(pathId(["x"]))?.value?.type).toBe("TOMLInlineTable");
    expect(nodes.get(pathId(["x", "a"]))?.value?.loc.start).toEqual({ line: 1, column: 10 });
    expect(nodes.get(pathId(["y"]))?.value).toBeUndefined();
  });

  it("rejects __proto__ keys (getStaticTOMLValue would pollute Object.prototype)", () => {
    for (const text of [`a.__proto__.polluted = 1`, `[__proto__]`, `x = { "__proto__" = 1 }`]) {
      expect(() => tree(text)).toThrow(ProtoKeyError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("formatKey", () => {
  it("spells key paths as TOML does", () => {
    expect(formatKey(["serve", "max-memory-mb"])).toBe("serve.max-memory-mb");
    expect(formatKey(["serve", "routes", "GET /a"])).toBe(`serve.routes."GET /a"`);
    expect(formatKey(["arr", 0, "n"])).toBe("arr[0].n");
    expect(formatKey([])).toBe("");
  });
});
