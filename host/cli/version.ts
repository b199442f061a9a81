/**
 * @module cli/version
 * rusm's version, from package.json, and what `rusm --version` prints: rusm's and the versions
 * of what builds and runs guests (jco, componentize-js, Node).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);

export const VERSION: string = (require("../../package.json") as { version: string }).version;

/**
 * A dependency's version from its package.json (found where Node would resolve the package:
 * their `exports` do not all expose package.json), or "not installed".
 */
function versionOf(pkg: string): string {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const file = join(dir, pkg, "package.json");
    if (existsSync(file)) {
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    }
  }
  return "not installed";
}

/** `rusm --version`: rusm's version on the first line, then one line per part. */
export function versionText(): string {
  return [
    `rusm ${VERSION}`,
    `jco ${versionOf("@bytecodealliance/jco")} (transpiling at load: ${versionOf("jco-transpile-1.11")})`,
    `componentize-js ${versionOf("@bytecodealliance/componentize-js")}`,
    `node ${process.versions.node}`,
    "",
  ].join("\n");
}
