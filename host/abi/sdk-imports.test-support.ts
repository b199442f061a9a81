/**
 * @module abi/sdk-imports.test-support
 * The canonical-ABI imports the guest SDKs declare by hand, read from their source for
 * wit-bindings.test.ts: the Rust SDK's `extern "C"` blocks (`#[link(wasm_import_module)]` +
 * `#[link_name]`) and the QuickJS engine's `IMPORT(module, name)` C declarations, each with the
 * core wasm type it lowers to on wasm32 (pointers and `usize` / `size_t` are `i32`).
 *
 * The readers are small regular expressions over a narrow, regular shape; each also counts
 * what it should have read (`extern` blocks, `fn` items, `IMPORT(` uses) and throws when a
 * declaration did not match, so a new spelling fails loudly instead of going unchecked.
 */

import type { ValType } from "../wasm/imports.ts";

/** One hand-declared import, with where it is written. */
export interface SdkImport {
  /** `sdk/rust/src/abi/http.rs:12` */
  readonly at: string;
  /** The declaring function's own name (`fields_append`). */
  readonly fn: string;
  /** As declared, with its version: `wasi:http/types@0.2.12`. */
  readonly module: string;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Blanks comments, keeping every offset and line break where it was. */
function blankComments(text: string): string {
  const blank = (m: string): string => m.replace(/[^\n]/g, " ");
  return text.replace(/\/\*[\s\S]*?\*\//g, blank).replace(/\/\/[^\n]*/g, blank);
}

function count(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

const RUST_I32 = /^(?:i32|u32|usize|isize|i16|u16|i8|u8|bool|char|\*(?:const|mut) .+|&.+)$/;

function rustType(type: string, at: string): ValType {
  const t = type.trim();
  if (t === "i64" || t === "u64") return "i64";
  if (t === "f32" || t === "f64") return t;
  if (RUST_I32.test(t)) return "i32";
  throw new Error(`${at}: no core wasm type for Rust type \`${t}\` (extend rustType)`);
}

/** The imports of every `extern "C"` block with a `wasm_import_module` in one Rust file. */
export function rustImports(file: string, source: string): SdkImport[] {
  const text = blankComments(source);
  const out: SdkImport[] = [];
  const block = /#\[link\(wasm_import_module\s*=\s*"([^"]+)"\)\]\s*extern\s+"C"\s*\{([^{}]*)\}/g;
  const item =
    /(?:#\[link_name\s*=\s*"([^"]+)"\]\s*)?pub\s+fn\s+(\w+)\s*\(([^)]*)\)\s*(?:->\s*([^;{]+?))?\s*;/g;
  let blocks = 0;
  for (const b of text.matchAll(block)) {
    blocks++;
    const bodyAt = b.index + b[0].indexOf("{") + 1;
    const body = b[2]!;
    let items = 0;
    for (const f of body.matchAll(item)) {
      items++;
      const at = `${file}:${lineAt(text, bodyAt + f.index)}`;
      const params = f[3]!
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")
        .map((p) => rustType(p.slice(p.indexOf(":") + 1), at));
      const results = f[4] === undefined ? [] : [rustType(f[4], at)];
      out.push({ at, fn: f[2]!, module: b[1]!, name: f[1] ?? f[2]!, params, results });
    }
    if (items !== count(body, /\bfn\s/g)) {
      throw new Error(`${file}:${lineAt(text, b.index)}: an extern fn this reader cannot parse`);
    }
  }
  if (blocks !== count(text, /wasm_import_module/g)) {
    throw new Error(`${file}: a wasm_import_module block this reader cannot parse`);
  }
  return out;
}

function cType(type: string, at: string): ValType | null {
  const t = type.replace(/\bconst\b/g, "").trim();
  if (t.includes("*")) return "i32";
  if (t === "void") return null;
  if (/^(?:u?int64_t|(?:unsigned )?long long)$/.test(t)) return "i64";
  if (/^(?:u?int(?:8|16|32)_t|size_t|int|unsigned|bool|char)$/.test(t)) return "i32";
  if (t === "float") return "f32";
  if (t === "double") return "f64";
  throw new Error(`${at}: no core wasm type for C type \`${t}\` (extend cType)`);
}

const C_TYPE_WORD = /^(?:\w+_t|void|int|long|unsigned|char|bool|float|double|\*)$/;

/** A parameter's type without its name, if it has one (`int32_t n` → `int32_t`). */
function cParamType(param: string): string {
  const tokens = param.replace(/\*/g, " * ").trim().split(/\s+/);
  if (tokens.length > 1 && !C_TYPE_WORD.test(tokens.at(-1)!)) tokens.pop();
  return tokens.join(" ");
}

/**
 * The `IMPORT(module, "name") ret fn(params);` declarations of one C file; `module` is a string
 * or a `#define`d name for one.
 */
export function cImports(file: string, source: string): SdkImport[] {
  const text = blankComments(source);
  const macros = new Map<string, string>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+"([^"]*)"\s*$/gm)) macros.set(m[1]!, m[2]!);
  const decl =
    /\bIMPORT\(\s*(\w+|"[^"]*")\s*,\s*"([^"]*)"\s*\)\s*([\w\s*]+?)\s*\b(\w+)\s*\(([^)]*)\)\s*;/g;
  const out: SdkImport[] = [];
  for (const d of text.matchAll(decl)) {
    const at = `${file}:${lineAt(text, d.index)}`;
    const mod = d[1]!.startsWith('"') ? d[1]!.slice(1, -1) : macros.get(d[1]!);
    if (mod === undefined) throw new Error(`${at}: ${d[1]!} is not a #define'd module name`);
    const params = d[5]!
      .split(",")
      .map((p) => cType(cParamType(p), at))
      .filter((p): p is ValType => p !== null);
    const ret = cType(d[3]!, at);
    out.push({
      at,
      fn: d[4]!,
      module: mod,
      name: d[2]!,
      params,
      results: ret === null ? [] : [ret],
    });
  }
  // An import declared without the IMPORT macro would go unchecked.
  if (count(text, /import_module\(/g) !== count(text, /#define\s+IMPORT\(/g)) {
    throw new Error(`${file}: an import_module attribute outside IMPORT(...); use IMPORT`);
  }
  // Every use of IMPORT( but the macro's own #define.
  if (out.length !== count(text, /\bIMPORT\(/g) - count(text, /#define\s+IMPORT\(/g)) {
    throw new Error(`${file}: an IMPORT(...) declaration this reader cannot parse`);
  }
  return out;
}
