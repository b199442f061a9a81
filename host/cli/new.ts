/**
 * @module cli/new
 * `rusm new <dir>`: scaffolds a guest project from templates/guest-project/ (source,
 * routes.toml, a test, README, package.json depending on this rusm version and its Node 24), so
 * that `npm install` and `npm start` build and serve it.
 */
import { readFile, mkdir, readdir, writeFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RusmError } from "../errors.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const TEMPLATES = join(ROOT, "templates", "guest-project");

/**
 * How the scaffold depends on rusm: by version, as installed from its package; run from a
 * rusm checkout (its TypeScript sources beside this module: nothing to install from a
 * registry), by path to the checkout.
 */
function rusmSpec(version: string): string {
  return import.meta.url.endsWith(".ts") ? `file:${ROOT}` : version;
}

/** Template files whose name differs from the output's (npm drops `.gitignore` from packages). */
const RENAMES: Record<string, string> = { "gitignore.tmpl": ".gitignore" };

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".tmpl"))
    .map((e) => relative(TEMPLATES, join(e.parentPath, e.name)))
    .sort();
}

/** An npm package name from a folder name: lower case, `[a-z0-9._-]`, not starting with `.`/`_`. */
export function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  return name === "" ? "rusm-guest" : name;
}

/** Creates the project; resolves to the exit status. */
export async function newCommand(target: string): Promise<number> {
  const dir = resolve(target);
  const existing = await readdir(dir).catch(() => null);
  if (existing !== null && existing.length > 0) {
    throw new RusmError("RUSM_USAGE", `${dir} already exists and is not empty`, {
      hint: "give `rusm new` a new directory (it creates it)",
    });
  }
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const values: Record<string, string> = {
    name: packageName(dir),
    rusmSpec: rusmSpec(pkg.version),
    rusmVersion: pkg.version,
    nodeVersion: pkg.dependencies["node"] ?? "24",
  };
  const written: string[] = [];
  for (const file of await templateFiles(TEMPLATES)) {
    const text = await readFile(join(TEMPLATES, file), "utf8");
    const out = RENAMES[file] ?? file.replace(/\.tmpl$/, "");
    await mkdir(join(dir, out, ".."), { recursive: true });
    await writeFile(
      join(dir, out),
      text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole),
    );
    written.push(out);
  }
  const shown = relative(process.cwd(), dir) || ".";
  process.stdout.write(
    `rusm: created ${shown}/ (${written.join(", ")})\n\n` +
      `Next:\n  cd ${shown}\n  npm install     # rusm and its Node 24\n` +
      `  npm start       # builds build/app.wasm, serves http://127.0.0.1:8080\n` +
      `  npm test        # builds, starts a real rusm serve, checks the routes\n`,
  );
  return 0;
}
