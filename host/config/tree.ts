/**
 * @module config/tree
 * Turns a toml-eslint-parser AST into a plain value plus an index from each key path to the
 * AST nodes that define it, so schema errors can point at a line and column.
 *
 * Tables are built here rather than with `getStaticTOMLValue` (used for scalars only): its
 * table builder assigns with `obj[key] = ...`, so `a.__proto__.x = 1` writes `x` onto
 * `Object.prototype`. Tables here have a null prototype, and a `__proto__` key is rejected
 * outright (zod's records silently drop it, which would hide a component or a route).
 */

import { getStaticTOMLValue, type AST } from "toml-eslint-parser";
import { RusmError } from "../errors.ts";

/** A TOML value: tables are null-prototype objects. */
export type TomlValue = string | number | boolean | Date | TomlValue[] | TomlTable;
/** A TOML table. */
export interface TomlTable {
  [key: string]: TomlValue;
}

/** A key path: table keys and array indexes, e.g. `["serve", "routes", "GET /a"]`. */
export type KeyPath = readonly (string | number)[];

/** The nodes that first define a key path: the key, and the value when it has one. */
export interface KeyNodes {
  /** A bare or quoted key, or an array element (whose "key" is its index). */
  key: AST.TOMLBare | AST.TOMLQuoted | AST.TOMLContentNode;
  /** Absent for tables defined by a `[header]` or a dotted key prefix. */
  value?: AST.TOMLContentNode | undefined;
}

/** A walked document. */
export interface Tree {
  value: TomlTable;
  /** By {@link pathId}. */
  keys: Map<string, KeyNodes>;
}

/** The map key for a key path. */
export function pathId(path: KeyPath): string {
  return JSON.stringify(path);
}

/** A key path as TOML spells it: `serve.max-memory-mb`, `serve.routes."GET /a"`, `x[0]`. */
export function formatKey(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else
      out +=
        (out === "" ? "" : ".") + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return out;
}

/**
 * Walks a parsed document. Relies on the parser having rejected redefinitions, so a path
 * never changes kind (table, array, value) during the walk.
 *
 * Errors: {@link ProtoKeyError} for a `__proto__` key (the caller locates it).
 */
export function walk(program: AST.TOMLProgram): Tree {
  const keys = new Map<string, KeyNodes>();
  const root = table();
  const note = (path: KeyPath, key: KeyNodes["key"], value?: AST.TOMLContentNode) => {
    if (!keys.has(pathId(path))) keys.set(pathId(path), { key, value });
  };

  // Descends from `container` along `names`, creating tables; `at(i)` is the node for names[i].
  const descend = (
    container: TomlTable | TomlValue[],
    prefix: KeyPath,
    names: KeyPath,
    at: (i: number) => KeyNodes["key"],
  ): TomlTable | TomlValue[] => {
    let here = container;
    for (const [i, name] of names.entries()) {
      const path = [...prefix, ...names.slice(0, i + 1)];
      note(path, at(i));
      const next = (here as Record<string | number, TomlValue | undefined>)[name];
      if (next === undefined) {
        const made = typeof names[i + 1] === "number" ? [] : table();
        (here as Record<string | number, TomlValue>)[name] = made;
        here = made;
      } else if (Array.isArray(next) || isTable(next)) {
        here = next;
      } else {
        throw new RusmError(
          "RUSM_INTERNAL",
          `TOML key ${pathId(path)} is both a value and a table`,
        );
      }
    }
    return here;
  };

  const assign = (container: TomlTable, prefix: KeyPath, kv: AST.TOMLKeyValue): void => {
    const names = kv.key.keys.map(keyName);
    const last = names.length - 1;
    const parent = descend(container, prefix, names.slice(0, last), (i) => kv.key.keys[i]!);
    const path = [...prefix, ...names];
    note(path, kv.key.keys[last]!, kv.value);
    (parent as TomlTable)[names[last]!] = convert(kv.value, path);
  };

  const convert = (node: AST.TOMLContentNode, path: KeyPath): TomlValue => {
    if (node.type === "TOMLValue") return getStaticTOMLValue(node);
    if (node.type === "TOMLArray") {
      return node.elements.map((element, i) => {
        note([...path, i], element, element);
        return convert(element, [...path, i]);
      });
    }
    const inline = table();
    for (const kv of node.body) assign(inline, path, kv);
    return inline;
  };

  for (const item of program.body[0].body) {
    if (item.type === "TOMLKeyValue") {
      assign(root, [], item);
      continue;
    }
    // `[[a.b]]` resolves to ["a", "b", 2]: an index belongs to the key node before it.
    const headerKeys = item.key.keys;
    let k = -1;
    const nodes = item.resolvedKey.map((part) =>
      typeof part === "string" ? headerKeys[++k]! : headerKeys[k]!,
    );
    item.key.keys.forEach(keyName); // rejects __proto__ in headers
    const target = descend(root, [], item.resolvedKey, (i) => nodes[i]!);
    for (const kv of item.body) assign(target as TomlTable, item.resolvedKey, kv);
  }
  return { value: root, keys };
}

function keyName(node: AST.TOMLBare | AST.TOMLQuoted): string {
  const name = node.type === "TOMLBare" ? node.name : node.value;
  if (name === "__proto__") throw new ProtoKeyError(node);
  return name;
}

/** Thrown for a `__proto__` key; the caller turns it into a located RusmError. */
export class ProtoKeyError extends Error {
  readonly node: AST.HasLocs;
  constructor(node: AST.HasLocs) {
    super(`the key "__proto__" is not allowed`);
    this.node = node;
  }
}

function table(): TomlTable {
  return Object.create(null) as TomlTable;
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}
