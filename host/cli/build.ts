/**
 * @module cli/build
 * `rusm build <entry.ts|.js> -o <out.wasm>`: builds a TypeScript/JavaScript guest into a
 * component (toolchain/guest-build.ts). Progress goes to stderr, the result line to stdout.
 */
import { relative, resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import { buildGuest } from "../toolchain/guest-build.ts";

export interface BuildFlags {
  out: string;
  cacheDir?: string | undefined;
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

/** Builds one guest; resolves to the exit status (errors are thrown as RusmError). */
export async function buildCommand(entry: string, flags: BuildFlags): Promise<number> {
  const out = resolve(flags.out);
  const result = await buildGuest({
    entry: resolve(entry),
    out,
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
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
    `rusm: built ${shown(out)} (${mb} MB) in ${secs} s${result.cached ? " (cached)" : ""}: ${serves.join("; ")}\n`,
  );
  return 0;
}
