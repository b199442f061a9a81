/**
 * For unit tests: a temporary directory for the whole file, made before its tests and removed
 * after them.
 */
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface TempDir {
  /** Absolute and resolved (esbuild, for one, reports resolved paths). Set once tests run. */
  readonly path: string;
  /** Writes `text` to `name` in the directory; returns the file's path. */
  write(this: void, name: string, text: string): Promise<string>;
}

/** Registers the hooks that make and remove the directory; call at a test file's top level. */
export function useTempDir(prefix: string): TempDir {
  let path = "";
  beforeAll(async () => {
    path = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  });
  afterAll(async () => {
    await rm(path, { recursive: true, force: true });
  });
  return {
    get path() {
      return path;
    },
    write: async (name, text) => {
      const file = join(path, name);
      await writeFile(file, text);
      return file;
    },
  };
}
