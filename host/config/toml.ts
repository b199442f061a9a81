/**
 * @module config/toml
 * A parsed TOML document that can say where each key path is written.
 */

import { RusmError, type SourceLocation } from "../errors.ts";
import { parseAst, syntaxError } from "./syntax.ts";
import { pathId, ProtoKeyError, walk, type KeyPath, type TomlTable } from "./tree.ts";

/** A parsed document: its value and the positions of its keys. */
export interface TomlDocument {
  file: string;
  value: TomlTable;
  /** The longest prefix of `path` that the file defines (`[]` if none). */
  definedPrefix(path: KeyPath): KeyPath;
  /**
   * Where `path` is written, or its longest defined prefix (line 1 column 1 if none). `value`
   * points at the value when there is one (not for `[table]` headers), `key` at the key.
   */
  locate(path: KeyPath, at: "key" | "value"): SourceLocation;
}

/**
 * Parses TOML 1.0 `text`, read from `file` (only used in locations).
 *
 * Errors: `RUSM_CONFIG_SYNTAX` (invalid TOML, duplicate key); `RUSM_CONFIG_INVALID` for a
 * `__proto__` key.
 */
export function parseToml(text: string, file: string): TomlDocument {
  let tree;
  try {
    tree = walk(parseAst(text));
  } catch (err) {
    if (!(err instanceof ProtoKeyError)) throw syntaxError(err, text, file);
    const { line, column } = err.node.loc.start;
    throw new RusmError("RUSM_CONFIG_INVALID", err.message, {
      where: { file, line, column: column + 1 },
      hint: "remove or rename the key",
    });
  }
  const { value, keys } = tree;

  const definedPrefix = (path: KeyPath): KeyPath => {
    for (let n = path.length; n > 0; n--) {
      if (keys.has(pathId(path.slice(0, n)))) return path.slice(0, n);
    }
    return [];
  };

  return {
    file,
    value,
    definedPrefix,
    locate(path, at) {
      const nodes = keys.get(pathId(definedPrefix(path)));
      if (nodes === undefined) return { file, line: 1, column: 1 };
      const { line, column } = (at === "value" ? (nodes.value ?? nodes.key) : nodes.key).loc.start;
      return { file, line, column: column + 1 };
    },
  };
}
