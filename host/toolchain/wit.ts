/**
 * @module toolchain/wit
 * The WIT directories guests are built against.
 *
 * `wit/` is rusm's own package `rusm:guest` (worlds `http-guest`, which is wasi:http/proxy@0.2.12,
 * and `handlers`, which adds rusm's handler-module interfaces) with the vendored WASI 0.2.12
 * packages in `wit/deps/`. StarlingMonkey (componentize-js 0.22)
 * is built against WASI 0.2.10 and needs a world that exports
 * `wasi:http/incoming-handler@0.2.10`, so {@link deriveStarlingMonkeyWit} writes a 0.2.10 copy
 * at build time. A guest with its own world (a test fixture) gets a directory holding its world
 * file and a copy of the vendored deps ({@link prepareWorldWit}).
 */

import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUSM_GUEST, RUSM_PUBSUB } from "../catalog/index.ts";

const RUSM_GUEST_VERSION = RUSM_GUEST.version;
const RUSM_PUBSUB_VERSION = RUSM_PUBSUB.version;

/** rusm's WIT package, absolute. */
export const WIT_DIR = fileURLToPath(new URL("../../wit/", import.meta.url)).replace(/\/$/, "");

/** The vendored WASI 0.2.12 packages, one folder per package, absolute. */
export const WIT_DEPS_DIR = join(WIT_DIR, "deps");

/** The world every wasi:http guest is built against (`world` option of `componentEmbed`). */
export const HTTP_GUEST_WORLD = "rusm:guest/http-guest";

/** The plain wasi:http world in the derived 0.2.10 directory (`worldName` of `componentize`). */
export const STARLINGMONKEY_WORLD = "http-guest";

/**
 * The handler-module world in the derived 0.2.10 directory: {@link STARLINGMONKEY_WORLD} plus
 * rusm:guest's `context`, `sse` and `process` imports and its `manifest` export. Every guest
 * `rusm build` makes uses it.
 */
export const STARLINGMONKEY_HANDLERS_WORLD = "handlers";

/** The WASI version the vendored deps have, and the one StarlingMonkey was built against. */
const VENDORED_WASI = "0.2.12";
const STARLINGMONKEY_WASI = "0.2.10";

/**
 * The packages the StarlingMonkey world needs. sockets and filesystem are left out on purpose:
 * the engine carries its own 0.2.10 copy of them and the 0.2.12 shapes conflict with it.
 */
const STARLINGMONKEY_DEPS = ["io", "clocks", "random", "cli", "http"] as const;

/** rusm:guest's interface files (everything in wit/ but the worlds). */
const RUSM_GUEST_WIT_FILES = ["context.wit", "sse.wit", "process.wit", "manifest.wit"] as const;

/** rusm:pubsub, rusm's own package in `wit/deps/pubsub/` (one file per interface). */
const RUSM_PUBSUB_DIR = join(WIT_DEPS_DIR, "pubsub");
const RUSM_PUBSUB_WIT_FILES = ["broker.wit", "mailbox.wit"] as const;

const STARLINGMONKEY_WORLD_WIT = `/// Derived by rusm's host/toolchain/wit.ts from wit/ (WASI ${VENDORED_WASI}). Do not edit.
package rusm:starlingmonkey;

world ${STARLINGMONKEY_HANDLERS_WORLD} {
  include ${STARLINGMONKEY_WORLD};
  import rusm:guest/context@${RUSM_GUEST_VERSION};
  import rusm:guest/sse@${RUSM_GUEST_VERSION};
  import rusm:guest/process@${RUSM_GUEST_VERSION};
  import rusm:pubsub/broker@${RUSM_PUBSUB_VERSION};
  import rusm:pubsub/mailbox@${RUSM_PUBSUB_VERSION};
  export rusm:guest/manifest@${RUSM_GUEST_VERSION};
}

world ${STARLINGMONKEY_WORLD} {
  import wasi:http/types@${STARLINGMONKEY_WASI};
  import wasi:cli/stdout@${STARLINGMONKEY_WASI};
  import wasi:cli/stderr@${STARLINGMONKEY_WASI};
  import wasi:clocks/monotonic-clock@${STARLINGMONKEY_WASI};
  import wasi:clocks/wall-clock@${STARLINGMONKEY_WASI};
  import wasi:random/random@${STARLINGMONKEY_WASI};
  export wasi:http/incoming-handler@${STARLINGMONKEY_WASI};
}
`;

/** Every file under `dir`, absolute and sorted (for cache keys). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The files {@link HTTP_GUEST_WORLD} is read from: all of `wit/`. */
export function httpGuestWitInputs(): Promise<string[]> {
  return listFiles(WIT_DIR).then((files) => files.filter((f) => f.endsWith(".wit")));
}

/** The files {@link deriveStarlingMonkeyWit} reads. */
export function starlingMonkeyWitInputs(): string[] {
  return [
    ...STARLINGMONKEY_DEPS.map((pkg) => join(WIT_DEPS_DIR, pkg, "package.wit")),
    ...RUSM_GUEST_WIT_FILES.map((file) => join(WIT_DIR, file)),
    ...RUSM_PUBSUB_WIT_FILES.map((file) => join(RUSM_PUBSUB_DIR, file)),
  ];
}

/**
 * Removes every top-level `world name { ... }` block from a WIT document.
 *
 * Braces are counted, so inline interfaces inside a world go with it; `//` comments are skipped
 * so a brace in a comment does not count.
 */
export function stripWorlds(wit: string): string {
  let out = "";
  let at = 0;
  const header = /^[ \t]*world\s+[\w-]+\s*\{/gm;
  for (let m = header.exec(wit); m !== null; m = header.exec(wit)) {
    out += wit.slice(at, m.index);
    let depth = 1;
    let i = m.index + m[0].length;
    while (i < wit.length && depth > 0) {
      if (wit.startsWith("//", i)) {
        const eol = wit.indexOf("\n", i);
        i = eol === -1 ? wit.length : eol;
        continue;
      }
      if (wit[i] === "{") depth++;
      else if (wit[i] === "}") depth--;
      i++;
    }
    if (wit[i] === "\n") i++;
    at = i;
    header.lastIndex = i;
  }
  return out + wit.slice(at);
}

/**
 * Writes the WASI 0.2.10 WIT directory StarlingMonkey guests are componentized against:
 * `deps/{io,clocks,random,cli,http}/package.wit` from the vendored 0.2.12 copies with
 * `@0.2.12` turned into `@0.2.10` and every world removed (their includes pull in sockets and
 * filesystem), `deps/rusm-guest/` with rusm:guest's interfaces (its worlds, which name 0.2.12,
 * removed), plus a root package with the worlds {@link STARLINGMONKEY_WORLD} and
 * {@link STARLINGMONKEY_HANDLERS_WORLD}. Interface-only packages merge with the engine's own
 * 0.2.10 WIT.
 *
 * @param outDir absolute; replaced wholesale.
 * @returns `outDir`, to pass as `witPath` with one of the two world names.
 */
export async function deriveStarlingMonkeyWit(outDir: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  for (const pkg of STARLINGMONKEY_DEPS) {
    const source = await readFile(join(WIT_DEPS_DIR, pkg, "package.wit"), "utf8");
    const derived = stripWorlds(source.replaceAll(`@${VENDORED_WASI}`, `@${STARLINGMONKEY_WASI}`));
    await mkdir(join(outDir, "deps", pkg), { recursive: true });
    await writeFile(join(outDir, "deps", pkg, "package.wit"), derived);
  }
  await mkdir(join(outDir, "deps", "rusm-guest"), { recursive: true });
  // The package line alone: wit/worlds.wit's worlds name WASI 0.2.12.
  const header = `package rusm:guest@${RUSM_GUEST_VERSION};\n`;
  await writeFile(join(outDir, "deps", "rusm-guest", "package.wit"), header);
  for (const file of RUSM_GUEST_WIT_FILES) {
    await copyFile(join(WIT_DIR, file), join(outDir, "deps", "rusm-guest", file));
  }
  await mkdir(join(outDir, "deps", "rusm-pubsub"), { recursive: true });
  for (const file of RUSM_PUBSUB_WIT_FILES) {
    await copyFile(join(RUSM_PUBSUB_DIR, file), join(outDir, "deps", "rusm-pubsub", file));
  }
  await writeFile(join(outDir, "world.wit"), STARLINGMONKEY_WORLD_WIT);
  return outDir;
}

/**
 * Writes a WIT directory for a guest with its own world: the world file at the root and a copy
 * of every vendored WASI 0.2.12 package in `deps/`.
 *
 * @param worldFile absolute path of a `.wit` file with one package and its world(s).
 * @param outDir absolute; replaced wholesale.
 * @returns `outDir`, to pass as `witPath`.
 */
export async function prepareWorldWit(worldFile: string, outDir: string): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await copyFile(worldFile, join(outDir, basename(worldFile)));
  for (const dep of await readdir(WIT_DEPS_DIR, { withFileTypes: true })) {
    if (!dep.isDirectory()) continue;
    await mkdir(join(outDir, "deps", dep.name), { recursive: true });
    for (const file of await readdir(join(WIT_DEPS_DIR, dep.name))) {
      if (!file.endsWith(".wit")) continue;
      await copyFile(join(WIT_DEPS_DIR, dep.name, file), join(outDir, "deps", dep.name, file));
    }
  }
  return outDir;
}
