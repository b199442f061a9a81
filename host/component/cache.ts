/**
 * @module component/cache
 * The on-disk transpile cache: one directory per (component bytes, transpiler, options), so a
 * second start skips jco. Entries are written to a temporary directory and renamed into place,
 * so a crash or two concurrent starts never leave a half-written entry.
 *
 * Location: `RUSM_CACHE_DIR`, else `node_modules/.cache/rusm` in the rusm checkout.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Bumped when the layout of an entry or the glue post-processing changes (2: drops jco left
 * without a destructor, component/glue.ts).
 */
const CACHE_FORMAT = 2;

/** The default cache root: `<rusm>/node_modules/.cache/rusm`. */
export function defaultCacheDir(): string {
  const env = process.env.RUSM_CACHE_DIR;
  if (env !== undefined && env !== "") return env;
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  return join(root, "node_modules", ".cache", "rusm");
}

/** The cache key of a component for a transpiler and its options. */
export function cacheKey(component: Uint8Array, transpiler: string, options: unknown): string {
  return createHash("sha256")
    .update(`rusm-cache-${CACHE_FORMAT}\0${transpiler}\0${JSON.stringify(options)}\0`)
    .update(component)
    .digest("hex");
}

/** An entry's metadata, stored as `meta.json` beside its files. */
export interface CacheMeta {
  imports: string[];
  exports: string[];
  files: string[];
}

export interface CacheEntry {
  dir: string;
  meta: CacheMeta;
}

/** Reads an entry, or returns null when there is none (or it is unreadable). */
export async function readEntry(root: string, key: string): Promise<CacheEntry | null> {
  const dir = join(root, "transpiled", key);
  try {
    const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as CacheMeta;
    return { dir, meta };
  } catch {
    return null; // missing or damaged: the caller transpiles again and overwrites it
  }
}

/** Writes an entry atomically and returns it. */
export async function writeEntry(
  root: string,
  key: string,
  files: Record<string, Uint8Array>,
  meta: Omit<CacheMeta, "files">,
): Promise<CacheEntry> {
  const parent = join(root, "transpiled");
  const dir = join(parent, key);
  const tmp = join(parent, `.tmp-${key}-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(tmp, name)), { recursive: true });
    await writeFile(join(tmp, name), bytes);
  }
  const full: CacheMeta = { ...meta, files: Object.keys(files) };
  await writeFile(join(tmp, "meta.json"), JSON.stringify(full, null, 2));
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another start wrote the same entry first; theirs is as good as ours.
    await rm(tmp, { recursive: true, force: true });
    if ((await readdir(dir).catch(() => [])).length === 0) throw err;
  }
  return { dir, meta: full };
}
