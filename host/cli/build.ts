/**
 * @module cli/build
 * `rusm build <entry.ts|.js> -o <out.wasm>`: builds a TypeScript/JavaScript guest into a
 * component (toolchain/guest-build.ts). `rusm build <Cargo project dir|Cargo.toml> -o
 * <out.wasm>` builds a Rust guest (toolchain/rust-build.ts). Progress goes to stderr, the
 * result line to stdout.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import { buildGuest, type Engine } from "../toolchain/guest-build.ts";
import { buildRustGuest } from "../toolchain/rust-build.ts";

export interface BuildFlags {
  out: string;
  cacheDir?: string | undefined;
  /** The JavaScript engine of a TypeScript guest (default StarlingMonkey). */
  engine?: Engine | undefined;
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

/** A Cargo project: a directory, or a file named Cargo.toml. */
function isCargoProject(entry: string): boolean {
  if (basename(entry) === "Cargo.toml") return true;
  return existsSync(entry) && statSync(entry).isDirectory();
}

/**
 * Builds a Rust guest. cargo's target directory is `<cacheDir>/rust-target`, shared by every
 * project, so std is compiled once per machine (about 1-2 min on 2 cores).
 */
async function buildRustCommand(entry: string, out: string, flags: BuildFlags): Promise<number> {
  const started = performance.now();
  const cacheDir = flags.cacheDir ?? defaultCacheDir();
  const built = await buildRustGuest({
    project: entry,
    targetDir: join(cacheDir, "rust-target"),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  await mkdir(dirname(out), { recursive: true });
  const partial = `${out}.${process.pid}.tmp`;
  await writeFile(partial, built.component);
  await rename(partial, out);
  const kb = (built.component.length / 1024).toFixed(1);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `rusm: built ${shown(out)} (${kb} KB) in ${secs} s: Rust crate ${built.crate} (route its handler modules as "module#function")\n`,
  );
  return 0;
}

/** Builds one guest; resolves to the exit status (errors are thrown as RusmError). */
export async function buildCommand(entry: string, flags: BuildFlags): Promise<number> {
  const out = resolve(flags.out);
  if (isCargoProject(resolve(entry))) return buildRustCommand(resolve(entry), out, flags);
  const result = await buildGuest({
    entry: resolve(entry),
    out,
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    engine: flags.engine,
    progress: (line) => process.stderr.write(`rusm: ${line}\n`),
  });
  const mb = (result.bytes / 1_048_576).toFixed(1);
  const secs = (result.ms / 1000).toFixed(1);
  const serves = [
    ...(result.shape.plain ? ["a default handle (route it by component name)"] : []),
    ...(result.shape.exports.length > 0
      ? [`exports ${result.shape.exports.join(", ")} (route handler modules as "module#function")`]
      : []),
  ];
  process.stdout.write(
    `rusm: built ${shown(out)} (${mb} MB) in ${secs} s${result.cached ? " (cached)" : ""}${flags.engine === "quickjs" ? " with QuickJS" : ""}: ${serves.join("; ")}\n`,
  );
  return 0;
}
