/**
 * @module config/load
 * Reads routes.toml from disk, validates it and checks that every component file exists.
 */

import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RusmError } from "../errors.ts";
import { parseConfig } from "./parse.ts";
import type { Config } from "./types.ts";
import { loadTls } from "./tls.ts";

export interface LoadConfigOptions {
  /** `rusm dev`: a component with a `source` is built before it is loaded, so its file may be missing. */
  sourcesBuild?: boolean | undefined;
}

/**
 * Loads the config at `path` (relative to the working directory).
 *
 * Errors: `RUSM_FILE_NOT_FOUND` when the config or a component file is missing or unreadable
 * (for a component, `where` is its path value); otherwise as {@link parseConfig}.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<Config> {
  const file = resolve(path);
  const text = await readConfig(file);
  const config = parseConfig(text, file);
  for (const component of config.components.values()) {
    if (options.sourcesBuild === true && component.source !== null) continue;
    const problem = await fileProblem(component.path);
    if (problem === null) continue;
    throw new RusmError(
      "RUSM_FILE_NOT_FOUND",
      `components.${component.name}: component file ${component.path} ${problem}`,
      {
        where: component.pathWhere,
        hint: `paths are relative to the directory of routes.toml (${dirname(file)}); build the component or fix the path`,
      },
    );
  }
  const tls = config.serve.tls;
  return tls === null ? config : { ...config, serve: { ...config.serve, tls: await loadTls(tls) } };
}

/**
 * `rusm serve app.wasm`: one component on every path (`"/*"`), with every default, as if
 * served by a routes.toml beside it naming it after its file (`app`). Errors as
 * {@link loadConfig}'s, for the component file.
 */
export async function loadComponentConfig(path: string): Promise<Config> {
  const file = resolve(path);
  const problem = await fileProblem(file);
  if (problem !== null) {
    throw new RusmError("RUSM_FILE_NOT_FOUND", `component file ${file} ${problem}`, {
      hint: "build the component first, or pass a routes.toml",
    });
  }
  const stem = basename(file)
    .replace(/\.wasm$/, "")
    .replace(/[^A-Za-z0-9_-]/g, "-");
  const name = /^[A-Za-z]/.test(stem) ? stem : `app-${stem}`;
  const text = `[components]\n${name} = ${JSON.stringify(basename(file))}\n\n[serve.routes]\n"/*" = "${name}"\n`;
  return parseConfig(text, join(dirname(file), `${basename(file)}.routes.toml`));
}

async function readConfig(file: string): Promise<string> {
  const problem = await fileProblem(file);
  if (problem !== null) {
    throw new RusmError("RUSM_FILE_NOT_FOUND", `config file ${file} ${problem}`, {
      hint: "pass the path to your routes.toml",
    });
  }
  try {
    // A UTF-8 byte order mark is not TOML; editors on Windows add one.
    return (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (cause) {
    throw new RusmError(
      "RUSM_FILE_NOT_FOUND",
      `config file ${file} cannot be read (${errnoCode(cause)})`,
      {
        hint: "check the file's permissions",
        cause,
      },
    );
  }
}

/** Why `file` is not a readable regular file, or null if it is one. */
async function fileProblem(file: string): Promise<string | null> {
  try {
    return (await stat(file)).isFile() ? null : "is not a regular file (a directory?)";
  } catch (err) {
    const code = errnoCode(err);
    return code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot be read (${code})`;
  }
}

function errnoCode(err: unknown): string {
  return err instanceof Error && "code" in err && typeof err.code === "string"
    ? err.code
    : String(err);
}
