/**
 * @module config/syntax
 * Parses TOML text and turns parser failures into `RUSM_CONFIG_SYNTAX` errors.
 *
 * toml-eslint-parser reports a duplicate key as just "Defining a key multiple times is
 * invalid" at the second occurrence, and gives no AST on failure. To say which key and where
 * it was first defined, {@link syntaxError} renames the second occurrence, parses again and
 * looks the original key up in that AST.
 */

import { ParseError, parseTOML, type AST } from "toml-eslint-parser";
import { RusmError } from "../errors.ts";
import { formatKey, walk, type KeyPath } from "./tree.ts";

// The parser defaults to TOML 1.1 (multi-line inline tables, \e, \x escapes); pin 1.0 so a
// routes.toml that parses here parses with every TOML 1.0 tool too.
const TOML_VERSION = "1.0";
// toml-eslint-parser's MESSAGES["dupe-keys"]; ParseError does not carry the code itself.
const DUPLICATE_KEY = "Defining a key multiple times is invalid";
// One key token: a basic string, a literal string or a bare key.
const KEY_TOKEN = /"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z0-9_-]+/y;

/** Parses TOML 1.0 text. Errors: the parser's `ParseError`. */
export function parseAst(text: string): AST.TOMLProgram {
  return parseTOML(text, { tomlVersion: TOML_VERSION });
}

/** The `RUSM_CONFIG_SYNTAX` error for a parse failure of `text`. */
export function syntaxError(err: unknown, text: string, file: string): RusmError {
  if (!(err instanceof ParseError)) {
    return new RusmError("RUSM_INTERNAL", `TOML parser failed: ${String(err)}`, { cause: err });
  }
  const where = { file, line: err.lineNumber, column: err.column + 1 };
  const duplicate = err.message === DUPLICATE_KEY ? describeDuplicate(text, err.index) : null;
  if (duplicate !== null) {
    return new RusmError("RUSM_CONFIG_SYNTAX", duplicate.message, {
      where,
      hint: duplicate.hint,
      cause: err,
    });
  }
  const what = err.message.charAt(0).toLowerCase() + err.message.slice(1);
  return new RusmError("RUSM_CONFIG_SYNTAX", `invalid TOML: ${what}`, {
    where,
    hint: "fix the TOML syntax at this position; routes.toml is TOML 1.0 (https://toml.io/en/v1.0.0)",
    cause: err,
  });
}

/** Names the duplicate key at `index` and its first definition; null if that fails. */
function describeDuplicate(text: string, index: number): { message: string; hint: string } | null {
  try {
    const token = keyToken(text, index);
    const original = parseAst(`${token} = 0`).body[0].body[0];
    if (original?.type !== "TOMLKeyValue") return null;
    const key = original.key.keys[0]!;
    const name = key.type === "TOMLBare" ? key.name : key.value;

    const { keys } = walk(parseAst(renameDuplicates(text, index)));
    for (const [id, nodes] of keys) {
      const path = JSON.parse(id) as (string | number)[];
      if (nodes.key.range[0] !== index || path.at(-1) !== placeholder(0)) continue;
      path[path.length - 1] = name;
      const first = keys.get(JSON.stringify(path));
      const at = first ? ` (first at line ${first.key.loc.start.line})` : "";
      const isTable =
        nodes.key.parent?.type === "TOMLKey" && nodes.key.parent.parent.type === "TOMLTable";
      return explain(path, isTable, at);
    }
  } catch {
    // Swallowed on purpose: the analysis failed; the parser's plain message stands.
  }
  return null;
}

/**
 * Renames the key at `index`, then every later duplicate the parser still finds (a key set
 * three times), until the text parses. Renames only move text after `index`.
 */
function renameDuplicates(text: string, index: number): string {
  let renamed = text;
  for (let n = 0, at = index; ; n++) {
    const token = keyToken(renamed, at);
    renamed =
      renamed.slice(0, at) + JSON.stringify(placeholder(n)) + renamed.slice(at + token.length);
    try {
      parseAst(renamed);
      return renamed;
    } catch (err) {
      if (!(err instanceof ParseError) || err.message !== DUPLICATE_KEY || err.index <= index)
        throw err;
      at = err.index;
    }
  }
}

/** A key no config can contain (it starts with NUL); JSON spells it as TOML does. */
function placeholder(n: number): string {
  return `\u0000rusm-duplicate-${n}`;
}

function keyToken(text: string, index: number): string {
  KEY_TOKEN.lastIndex = index;
  const token = KEY_TOKEN.exec(text)?.[0];
  if (token === undefined) throw new Error(`no key at offset ${index}`);
  return token;
}

function explain(path: KeyPath, isTable: boolean, at: string): { message: string; hint: string } {
  const [top, second, name] = path;
  if (top === "serve" && second === "routes" && path.length === 3) {
    return {
      message: `duplicate route ${JSON.stringify(name)}${at}`,
      hint: "a route may appear once in [serve.routes]: remove one of the two",
    };
  }
  if (top === "components" && path.length === 2) {
    return {
      message: `duplicate component ${JSON.stringify(second)}${at}`,
      hint: "component names are unique: rename or remove one of the two",
    };
  }
  if (isTable) {
    return {
      message: `duplicate table [${formatKey(path)}]${at}`,
      hint: "a table may be opened once: merge the two sections",
    };
  }
  return {
    message: `duplicate key ${formatKey(path)}${at}`,
    hint: "a key may be set once per table: remove one of the two",
  };
}
