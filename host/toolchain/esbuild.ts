/**
 * @module toolchain/esbuild
 * What every guest bundle shares: esbuild's options for one ES module that StarlingMonkey
 * (componentize-js) runs, and how esbuild's failures become a message with a place.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildFailure, BuildOptions } from "esbuild";
import type { SourceLocation } from "../errors.ts";

/**
 * `rusm/guest` is this rusm's own SDK, for any guest file: one outside a project that depends
 * on rusm builds too, and a project's copy of rusm never differs from the one building it.
 */
export const SDK_ALIAS: Readonly<Record<string, string>> = {
  "rusm/guest": fileURLToPath(new URL("../../sdk/ts/index.ts", import.meta.url)),
};

/**
 * One platform-neutral ES2022 module, nothing written to disk. `rusm:*` and `wasi:*` imports
 * are WIT interfaces: componentize-js links them to the host, so esbuild leaves them alone.
 */
export const GUEST_BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  external: ["rusm:*", "wasi:*"],
  alias: SDK_ALIAS,
  write: false,
  logLevel: "silent",
} as const satisfies BuildOptions;

/** esbuild's first error: its text, its place in the author's file, how many others. */
export interface BundleFailure {
  text: string;
  /** Absolute file, 1-based line and column; undefined when esbuild gave no place. */
  where: SourceLocation | undefined;
  others: number;
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return err instanceof Error && Array.isArray((err as Partial<BuildFailure>).errors);
}

/** What esbuild's rejection says, or null when `err` is not an esbuild build failure. */
export function describeBundleFailure(err: unknown): BundleFailure | null {
  if (!isBuildFailure(err)) return null;
  const first = err.errors[0];
  const loc = first?.location;
  return {
    text: first?.text ?? err.message,
    // esbuild's paths are relative to the working directory.
    where: loc
      ? { file: join(process.cwd(), loc.file), line: loc.line, column: loc.column + 1 }
      : undefined,
    others: Math.max(0, err.errors.length - 1),
  };
}
