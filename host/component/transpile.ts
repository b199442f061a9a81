/**
 * @module component/transpile
 * Turns a component into JS glue plus core modules with jco's JS API, for per-request
 * instantiation: `instantiation: "async"`, `asyncMode: "jspi"`, rusm's blocking WASI calls as
 * async (suspending) imports and `wasi:http/incoming-handler#handle` as an async (promising)
 * export.
 *
 * Which jco: the glue is what a request pays for, so rusm transpiles with jco 1.11.2
 * (npm alias `jco-transpile-1.11`), whose glue is 53 KB and 5-7x cheaper per request than
 * jco 1.35's 268 KB (see scripts/bench/README.md). The rest of the toolchain (componentize,
 * wasm-tools) uses jco 1.35. The cache key includes the transpiler's version.
 *
 * The glue jco returns is fixed before it is cached: component/glue.ts (drops jco wrote as
 * unreachable).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BLOCKING_IMPORTS } from "../catalog/index.ts";
import { HANDLER_EXPORT } from "../wasi/index.ts";
import { fixUnreachableDrops } from "./glue.ts";

// The package does not export its package.json; it sits two levels above its entry (src/api.js).
const pkg = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../package.json", import.meta.resolve("jco-transpile-1.11"))),
    "utf8",
  ),
) as { name: string; version: string };

/** `@bytecodealliance/jco@<version>`: part of the cache key. */
export const TRANSPILER = `${pkg.name}@${pkg.version}`;

/** The options rusm transpiles with (part of the cache key). */
export const TRANSPILE_OPTIONS = {
  instantiation: "async",
  asyncMode: "jspi",
  asyncImports: BLOCKING_IMPORTS,
  asyncExports: [HANDLER_EXPORT],
  noTypescript: true,
  quiet: true,
} as const;

/** What jco produced for one component. */
export interface Transpiled {
  /** Generated files by name: one `<name>.js` glue module and `<name>.core*.wasm` modules. */
  files: Record<string, Uint8Array>;
  /** Imported interfaces, without versions (`wasi:http/types`). */
  imports: string[];
  /** Exported names with versions (`wasi:http/incoming-handler@0.2.12`). */
  exports: string[];
}

/**
 * Transpiles component bytes, with rusm's fixes to the glue (component/glue.ts). Throws jco's
 * error for a component it cannot translate.
 */
export async function transpileComponent(bytes: Uint8Array, name: string): Promise<Transpiled> {
  // Loaded on first use: a start whose components are all cached never pays for jco.
  const { transpile } = await import("jco-transpile-1.11");
  const out = await transpile(bytes, {
    name,
    ...TRANSPILE_OPTIONS,
    asyncImports: [...TRANSPILE_OPTIONS.asyncImports],
    asyncExports: [...TRANSPILE_OPTIONS.asyncExports],
  });
  const files = { ...out.files };
  const glueFile = `${name}.js`;
  const glue = files[glueFile];
  if (glue !== undefined) {
    const fixed = fixUnreachableDrops(new TextDecoder().decode(glue));
    if (fixed.fixed.length > 0) files[glueFile] = new TextEncoder().encode(fixed.glue);
  }
  return {
    files,
    imports: out.imports,
    exports: out.exports.map(([exportName]) => exportName),
  };
}
