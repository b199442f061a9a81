/**
 * @module toolchain/starlingmonkey
 * Builds TypeScript/JavaScript guests into components with StarlingMonkey (componentize-js).
 *
 * Two steps: esbuild bundles the entry into one ES module, then componentize-js splices it
 * into the SpiderMonkey engine and snapshots it with wizer. Guests use the fetch-event shape,
 * `addEventListener("fetch", (e) => e.respondWith(handle(e.request)))`; an
 * `export default { fetch }` guest builds but answers every request with a 500.
 *
 * A componentize run takes ~15 s and ~0.9 GB of memory, and blocks the event loop while wizer
 * runs (componentize-js uses `spawnSync`): run one at a time.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";

import { componentize } from "@bytecodealliance/componentize-js";
import { build } from "esbuild";

import { RusmError } from "../errors.ts";
import { describeBundleFailure, GUEST_BUNDLE_OPTIONS } from "./esbuild.ts";
import { ensureToolPreopens } from "./preopens.ts";
import { STARLINGMONKEY_WORLD } from "./wit.ts";

export interface StarlingMonkeyOptions {
  /** Absolute path of the guest's entry module (`.ts` or `.js`). */
  entry: string;
  /** Absolute path of the derived 0.2.10 WIT directory (`deriveStarlingMonkeyWit`). */
  witPath: string;
  /** The world in `witPath`. Default: {@link STARLINGMONKEY_WORLD}. */
  worldName?: string;
}

export interface StarlingMonkeyBuild {
  component: Uint8Array;
  /** Milliseconds spent in esbuild and in componentize-js. */
  bundleMs: number;
  componentizeMs: number;
}

/**
 * Bundles `entry` and its imports into one ES module (es2022, platform-neutral) as a string.
 *
 * Errors: `RUSM_COMPONENT_INVALID` pointing at the first esbuild error.
 */
export async function bundleGuest(entry: string): Promise<string> {
  try {
    const result = await build({ ...GUEST_BUNDLE_OPTIONS, entryPoints: [entry] });
    const [output] = result.outputFiles;
    if (output === undefined) throw new Error("esbuild produced no output");
    return output.text;
  } catch (err) {
    const failure = describeBundleFailure(err);
    const where = failure?.where;
    throw new RusmError(
      "RUSM_COMPONENT_INVALID",
      `${where ? "" : `${entry}: `}cannot bundle guest: ${failure?.text ?? String(err)}`,
      { where, cause: err },
    );
  }
}

/**
 * Builds a StarlingMonkey guest: bundle with esbuild, then componentize against `witPath`.
 * The bundle is written to a temporary directory (componentize-js reads it from disk) that is
 * removed afterwards.
 *
 * Errors: `RUSM_COMPONENT_INVALID` when the bundle fails (esbuild's first error and its place)
 * or componentize-js fails (its message: a splicer WIT error, or the guest's own exception
 * while wizer runs its top level).
 */
export async function buildStarlingMonkeyGuest(
  options: StarlingMonkeyOptions,
): Promise<StarlingMonkeyBuild> {
  const { entry, witPath, worldName = STARLINGMONKEY_WORLD } = options;
  await ensureToolPreopens();
  const started = performance.now();
  const bundle = await bundleGuest(entry);
  const bundled = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "rusm-starlingmonkey-"));
  try {
    const sourcePath = join(dir, `${basename(entry, extname(entry))}.js`);
    await writeFile(sourcePath, bundle);
    const { component } = await componentize({ sourcePath, witPath, worldName }).catch(
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        throw new RusmError(
          "RUSM_COMPONENT_INVALID",
          `${entry}: componentize-js failed: ${message}`,
          { cause: err },
        );
      },
    );
    return {
      component,
      bundleMs: bundled - started,
      componentizeMs: performance.now() - bundled,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
