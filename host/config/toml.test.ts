import { describe, expect, it } from "vitest";
import type { RusmError } from "../errors.ts";
import { thrownRusmError } from "../errors.test-support.ts";
import { parseToml } from "./toml.ts";

const FILE = "/srv/routes.toml";

const tomlError = (text: string): RusmError => thrownRusmError(() => parseToml(text, FILE));

describe("parseToml: locate", () => {
  const text = `[serve]\nlisten = "x"\n[components]\napp = "a.wasm"\n[components.big]\npath = "b.wasm"\n`;
  const doc = parseToml(text, FILE);

  it("points at a key or at its value, 1-based", () => {
    expect(doc.locate(["serve", "listen"], "key")).toEqual({ file: FILE, line: 2, column: 1 });
    expect(doc.locate(["serve", "listen"], "value")).toEqual({ file: FILE, line: 2, column: 10 });
  });

  it("points at the header key of a [table], which has no value node", () => {
    expect(doc.locate(["components", "big"], "value")).toEqual({ file: FILE, line: 5, column: 13 });
  });

  it("falls back to the longest defined prefix, then to the start of the file", () => {
    expect(doc.definedPrefix(["components", "app", "path"])).toEqual(["components", "app"]);
    expect(doc.locate(["components", "app", "path"], "value")).toMatchObject({
      line: 4,
      column: 7,
    });
    expect(doc.locate(["serve", "nope"], "key")).toMatchObject({ line: 1, column: 2 });
    expect(doc.locate(["admin", "listen"], "key")).toEqual({ file: FILE, line: 1, column: 1 });
  });
});

describe("parseToml: syntax errors", () => {
  it("reports the parser's message at its line and column", () => {
    const err = tomlError(`[serve]\nlisten = = 1\n`);
    expect(err.code).toBe("RUSM_CONFIG_SYNTAX");
    expect(err.message).toBe("invalid TOML: unexpected token");
    expect(err.where).toEqual({ file: FILE, line: 2, column: 10 });
    expect(err.hint).toContain("TOML 1.0");
  });

  it("reports an unterminated table header", () => {
    expect(tomlError(`[serve\n`)).toMatchObject({ code: "RUSM_CONFIG_SYNTAX", where: { line: 2 } });
  });

  it("parses TOML 1.0, not the parser's default 1.1 (no newlines in inline tables)", () => {
    const err = tomlError(`x = { a = 1,\n  b = 2 }\n`);
    expect(err.code).toBe("RUSM_CONFIG_SYNTAX");
    expect(err.where?.line).toBe(2);
  });

  it("names a duplicate route and where it was first defined", () => {
    const err = tomlError(`[serve.routes]\n"GET /a" = "x"\n"GET /b" = "x"\n"GET /a" = "y"\n`);
    expect(err.code).toBe("RUSM_CONFIG_SYNTAX");
    expect(err.message).toBe(`duplicate route "GET /a" (first at line 2)`);
    expect(err.where).toEqual({ file: FILE, line: 4, column: 1 });
    expect(err.hint).toBeTruthy();
  });

  it("names a duplicate route written as dotted keys", () => {
    const err = tomlError(`serve.routes."GET /a" = "x"\nserve.routes.'GET /a' = "y"\n`);
    expect(err.message).toBe(`duplicate route "GET /a" (first at line 1)`);
    expect(err.where).toEqual({ file: FILE, line: 2, column: 14 });
  });

  it("names a table opened by a header after dotted keys defined it", () => {
    const err = tomlError(`serve.routes."GET /a" = "x"\n[serve.routes]\n`);
    expect(err.message).toBe(`duplicate table [serve.routes] (first at line 1)`);
    expect(err.where?.line).toBe(2);
  });

  it("names a key set three times, at its second definition", () => {
    const err = tomlError(`a = 1\na = 2\na = 3\n`);
    expect(err.message).toBe(`duplicate key a (first at line 1)`);
    expect(err.where?.line).toBe(2);
  });

  it("names a duplicate component, key and table", () => {
    expect(tomlError(`[components]\na = "x"\n\n[components.a]\n`)).toMatchObject({
      message: `duplicate component "a" (first at line 2)`,
      where: { line: 4, column: 13 },
    });
    expect(tomlError(`[serve]\nlisten = "a"\nmax-memory-mb = 1\nlisten = "b"\n`).message).toBe(
      `duplicate key serve.listen (first at line 2)`,
    );
    expect(tomlError(`[serve]\n[admin]\n[serve]\n`).message).toBe(
      `duplicate table [serve] (first at line 1)`,
    );
  });

  it("reports other syntax errors before duplicates", () => {
    const err = tomlError(`a = 1\na = 2\nb = = 3\n`);
    expect(err.message).toBe("invalid TOML: unexpected token");
    expect(err.where?.line).toBe(3);
  });

  it("rejects a __proto__ key as invalid, at its position", () => {
    const err = tomlError(`[components]\n"__proto__" = "x.wasm"\n`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.message).toContain(`"__proto__"`);
    expect(err.where).toEqual({ file: FILE, line: 2, column: 1 });
  });
});
