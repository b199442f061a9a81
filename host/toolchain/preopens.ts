/**
 * @module toolchain/preopens
 * Gives the build tools a filesystem.
 *
 * jco's wasm-tools component and componentize-js's splicer are themselves wasm components run
 * on `@bytecodealliance/preview2-shim`. preview2-shim 0.26 starts with no preopens, so every
 * path they open fails with "failed to get path metadata" (or a Rust `NotFound` panic) until
 * `_setPreopens({ "/": "/" })` has run. node_modules holds several copies of preview2-shim
 * (top level, jco/node_modules, jco-transpile/node_modules, ...), each with its own preopen
 * table, so the call has to reach every copy a tool loads. Paths given to the tools must be
 * absolute: the shim has no working directory.
 */

import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const FILESYSTEM = "@bytecodealliance/preview2-shim/filesystem";

interface FilesystemShim {
  _setPreopens(preopens: Record<string, string>): void;
}

let done: Promise<string[]> | undefined;

/**
 * The entry files of the packages whose preview2-shim copy a build tool loads: jco, the
 * jco-transpile that jco loads (it runs wasm-tools), componentize-js (its splicer), and the
 * project itself (its top-level copy, which componentize-js also resolves to).
 */
function toolEntries(): string[] {
  const fromHere = createRequire(import.meta.url);
  const jco = fromHere.resolve("@bytecodealliance/jco");
  const jcoTranspile = createRequire(jco).resolve("@bytecodealliance/jco-transpile");
  // componentize-js's `exports` has only an `import` condition, so require.resolve cannot find it.
  const componentize = fileURLToPath(import.meta.resolve("@bytecodealliance/componentize-js"));
  return [jco, jcoTranspile, componentize, fileURLToPath(import.meta.url)];
}

/**
 * Maps `/` to the host's `/` in every copy of preview2-shim the build tools load. Idempotent:
 * the work runs once per process and later calls share its promise.
 *
 * @returns the absolute path of each preview2-shim `filesystem` module it configured, deduplicated.
 */
export function ensureToolPreopens(): Promise<string[]> {
  done ??= (async () => {
    const shims = new Set(toolEntries().map((entry) => createRequire(entry).resolve(FILESYSTEM)));
    for (const file of shims) {
      // Import by file URL: the same module instance the tools get from their bare specifier.
      const shim = (await import(pathToFileURL(file).href)) as FilesystemShim;
      shim._setPreopens({ "/": "/" });
    }
    return [...shims];
  })();
  return done;
}
