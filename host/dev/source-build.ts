/**
 * @module dev/source-build
 * Builds a component from its `source` (routes.toml) with rusm build's code: a TypeScript or
 * JavaScript entry through toolchain/guest-build.ts (esbuild's metafile names the files it
 * was made of), a Cargo project through toolchain/rust-build.ts (its directory is watched,
 * its build output excepted). Also says what to watch for a component.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import type { ComponentConfig } from "../config/index.ts";
import { buildGuest } from "../toolchain/guest-build.ts";
import { fileURLToPath } from "node:url";
import { buildRustGuest } from "../toolchain/rust-build.ts";

/** rusm's own files (the SDK a guest bundles): never the author's, not watched. */
const RUSM_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What to watch for one component. */
export interface ComponentWatch {
  readonly files: readonly string[];
  readonly tree: { dir: string; accept: (file: string) => boolean } | null;
}

/** A Cargo project: a directory, or a file named Cargo.toml (as `rusm build`). */
export function isCargoSource(source: string): boolean {
  if (basename(source) === "Cargo.toml") return true;
  return existsSync(source) && statSync(source).isDirectory();
}

/** A Rust crate's tree: everything but cargo's `target/` and the component rusm writes. */
function crateTree(source: string, out: string): ComponentWatch["tree"] {
  const dir = basename(source) === "Cargo.toml" ? dirname(source) : source;
  return {
    dir,
    accept: (file) => file !== out && !file.startsWith(`${join(dir, "target")}${sep}`),
  };
}

/**
 * What to watch before a first successful build: the source (the entry, or the crate's tree),
 * or, for a component without one, its `.wasm` file.
 */
export function initialWatch(component: ComponentConfig): ComponentWatch {
  if (component.source === null) return { files: [component.path], tree: null };
  if (isCargoSource(component.source)) {
    return { files: [], tree: crateTree(component.source, component.path) };
  }
  return { files: [component.source], tree: null };
}

/**
 * Builds `component.source` into `component.path`. Resolves to what to watch from now on.
 * Errors: as `rusm build` (`RUSM_GUEST_BUILD` at the author's file:line:column, cargo's and
 * tsc-style messages in the error text).
 */
export async function buildSource(
  component: ComponentConfig & { source: string },
  cacheDir: string,
  progress: (line: string) => void,
): Promise<ComponentWatch> {
  if (isCargoSource(component.source)) {
    const built = await buildRustGuest({
      project: component.source,
      targetDir: join(cacheDir, "rust-target"),
      progress,
    });
    await mkdir(dirname(component.path), { recursive: true });
    const partial = `${component.path}.${process.pid}.tmp`;
    await writeFile(partial, built.component);
    await rename(partial, component.path);
    return { files: [], tree: crateTree(component.source, component.path) };
  }
  const result = await buildGuest({
    entry: component.source,
    out: component.path,
    cacheDir,
    engine: component.engine,
    progress,
  });
  const own = (f: string): boolean =>
    !f.startsWith(RUSM_ROOT) && !f.includes(`${sep}node_modules${sep}`);
  return { files: result.inputs.filter(own), tree: null };
}
