/**
 * @module toolchain/versions
 * What a built guest depends on besides its own source: the tool versions and the recipe.
 * Cache keys include both, so a tool upgrade or a recipe change rebuilds every guest.
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Bump when a change to `host/toolchain/` or `scripts/build-guests.ts` changes the bytes a
 * guest builds to (a new step, other tool options, another derived WIT).
 */
export const RECIPE_VERSION = 1;

/** The versions of the tools that build guests, read from their package.json. */
export interface ToolVersions {
  jco: string;
  "componentize-js": string;
  esbuild: string;
}

/** Walks up from a package's entry file to its package.json (whose `exports` may hide it). */
async function versionOf(entry: string, name: string): Promise<string> {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = await readFile(join(dir, "package.json"), "utf8").then(
      (text) => JSON.parse(text) as { name?: string; version?: string },
      () => undefined,
    );
    if (pkg?.name === name && pkg.version !== undefined) return pkg.version;
  }
  throw new Error(`no package.json for ${name} above ${entry}`);
}

/** Reads the installed jco, componentize-js and esbuild versions. */
export async function toolVersions(): Promise<ToolVersions> {
  const require = createRequire(import.meta.url);
  const resolved = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));
  return {
    jco: await versionOf(require.resolve("@bytecodealliance/jco"), "@bytecodealliance/jco"),
    "componentize-js": await versionOf(
      resolved("@bytecodealliance/componentize-js"),
      "@bytecodealliance/componentize-js",
    ),
    esbuild: await versionOf(require.resolve("esbuild"), "esbuild"),
  };
}
