/**
 * @module scripts/build-guests
 * Builds every guest in `guests/` into `build/guests/<name>.wasm`, skipping unchanged ones.
 *
 *     node scripts/build-guests.ts [--force] [name...]
 *
 * A guest is a folder `guests/<name>/` holding one of:
 * - `guest.wat`: module fields joined after `guests/_wat/prelude.wat` into a WAT component of
 *   world `rusm:guest/http-guest`;
 * - `preview1.wat`: the same, for a module that also imports `wasi_snapshot_preview1` (as a
 *   wasm32-wasip1 toolchain's output does), made a component with jco's preview1 adapter, so
 *   that it has several core modules, as cargo-component or componentize-dotnet build them;
 * - `guest.ts`: a TypeScript guest built as `rusm build` builds one (the SDK runtime, the
 *   `handlers` world; host/toolchain/guest-build.ts); one whose source says
 *   `@engines starlingmonkey quickjs` is also built with `--engine quickjs`, into
 *   `<name>.qjs.wasm` (the QuickJS backend; its tests run on both engines);
 * - `index.ts`: a raw StarlingMonkey fetch-event guest (esbuild + componentize-js, WASI 0.2.10
 *   world), without the SDK;
 * - `module.wat`: a plain core module (a "not a component" fixture);
 * - `other.wat` + `world.wit`: a component of its own world (a "not an HTTP guest" fixture);
 * - `Cargo.toml`: a Rust guest (a cdylib crate using `sdk/rust`, the Rust SDK, which is
 *   not a guest itself), built as `rusm build <dir>` builds one (host/toolchain/rust-build.ts)
 *   with one cargo target directory for all of them, `build/rust-target/`, so std is compiled
 *   once (~1-2 min on 2 cores, cold) and each guest after it takes seconds.
 *
 * Cache: `<name>.key` beside `<name>.wasm` holds a sha256 of the guest's source files, the WIT
 * files it is built against, the tool versions and the toolchain's recipe version. A guest
 * whose key matches is not rebuilt; `--force` rebuilds anyway. Guests build one at a time, WAT
 * first (~0.1 s each), then StarlingMonkey (~0.9 GB and 3-18 s each). Progress goes to stderr; the
 * exit code is 1 when any guest failed (its old output is removed), 2 for a usage error.
 */

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { RusmError, isRusmError } from "../host/errors.ts";
import { buildRustGuest } from "../host/toolchain/rust-build.ts";
import { findRustToolchain, type RustToolchain } from "../host/toolchain/rust-toolchain.ts";
import {
  RECIPE_VERSION,
  WIT_DEPS_DIR,
  buildCoreModule,
  buildGuest as buildTsGuest,
  QUICKJS_INPUTS,
  buildStarlingMonkeyGuest,
  buildWatComponent,
  deriveStarlingMonkeyWit,
  preview1Adapter,
  preview1AdapterPath,
  httpGuestWitInputs,
  listFiles,
  prepareWorldWit,
  starlingMonkeyWitInputs,
  toolVersions,
  type ToolVersions,
} from "../host/toolchain/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GUESTS_DIR = join(ROOT, "guests");
const PRELUDE = join(GUESTS_DIR, "_wat", "prelude.wat");
const GUESTS_TSCONFIG = join(GUESTS_DIR, "tsconfig.json");
const OUT_DIR = join(ROOT, "build", "guests");
const STARLINGMONKEY_WIT_DIR = join(ROOT, "build", "wit-0.2.10");
const WORLD_WIT_DIR = join(ROOT, "build", "wit-worlds");
/** The Rust SDK crate (with its macro crate): an input of every Rust guest, not a guest. */
const RUST_SDK_DIR = join(ROOT, "sdk", "rust");
const RUST_TARGET_DIR = join(ROOT, "build", "rust-target");
const RUST_BUILD_FILES = ["host/toolchain/rust-build.ts", "host/toolchain/rust-toolchain.ts"].map(
  (f) => join(ROOT, f),
);
/** The SDK runtime `guest.ts` guests are bundled with, and the build recipe itself. */
const SDK_FILES = [
  "sdk/ts/runtime.ts",
  "sdk/ts/index.ts",
  "sdk/ts/pubsub.ts",
  "host/toolchain/guest-build.ts",
  "host/toolchain/esbuild.ts",
  "host/component/source-map.ts",
].map((f) => join(ROOT, f));

type GuestKind =
  | "wat"
  | "preview1"
  | "ts-guest"
  | "ts-quickjs"
  | "starlingmonkey"
  | "core-module"
  | "other-world"
  | "rust";

interface Guest {
  name: string;
  dir: string;
  kind: GuestKind;
}

/** The file(s) that make a folder a guest of each kind, in the order they are looked for. */
const MARKERS: readonly [GuestKind, readonly string[]][] = [
  ["wat", ["guest.wat"]],
  ["preview1", ["preview1.wat"]],
  ["ts-guest", ["guest.ts"]],
  ["starlingmonkey", ["index.ts"]],
  ["core-module", ["module.wat"]],
  ["other-world", ["other.wat", "world.wit"]],
  ["rust", ["Cargo.toml"]],
];

const LABELS: Record<GuestKind, string> = {
  wat: "WAT",
  preview1: "WAT + wasi_snapshot_preview1 adapter",
  "ts-guest": "TypeScript, rusm build",
  "ts-quickjs": "TypeScript, rusm build --engine quickjs",
  starlingmonkey: "StarlingMonkey",
  "core-module": "core module",
  "other-world": "WAT, own world",
  rust: "Rust, rusm_rs",
};

const rel = (file: string) => relative(process.cwd(), file) || ".";
const log = (line: string) => process.stderr.write(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function size(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** The engines a `guest.ts` asks for (`@engines starlingmonkey quickjs`); StarlingMonkey alone by default. */
async function readsEngines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, "guest.ts"), "utf8");
  return /@engines\s+([a-z ]+)/.exec(text)?.[1]?.trim().split(/\s+/) ?? ["starlingmonkey"];
}

/** Every guest folder in `guests/` (folders starting with `_` or `.` are shared, not guests). */
async function discoverGuests(): Promise<Guest[]> {
  const guests: Guest[] = [];
  for (const entry of await readdir(GUESTS_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory() || /^[_.]/.test(entry.name)) continue;
    const dir = join(GUESTS_DIR, entry.name);
    const kinds = MARKERS.filter(([, files]) => files.every((f) => existsSync(join(dir, f))));
    const [first] = kinds;
    if (first === undefined || kinds.length > 1) {
      throw new RusmError(
        "RUSM_USAGE",
        `${rel(dir)}: a guest folder needs exactly one of guest.wat, preview1.wat, guest.ts, index.ts, module.wat, other.wat + world.wit, or Cargo.toml`,
      );
    }
    guests.push({ name: entry.name, dir, kind: first[0] });
    if (first[0] === "ts-guest" && (await readsEngines(dir)).includes("quickjs")) {
      guests.push({ name: `${entry.name}.qjs`, dir, kind: "ts-quickjs" });
    }
  }
  return guests.sort((a, b) => a.name.localeCompare(b.name));
}

/** The files a guest's bytes depend on, absolute. */
async function inputsOf(guest: Guest): Promise<string[]> {
  const own = (await listFiles(guest.dir)).filter((f) => !f.endsWith("README.md"));
  switch (guest.kind) {
    case "wat":
      return [PRELUDE, ...own, ...(await httpGuestWitInputs())];
    case "preview1":
      return [PRELUDE, ...own, ...(await httpGuestWitInputs()), preview1AdapterPath()];
    case "ts-guest":
      return [...own, GUESTS_TSCONFIG, ...SDK_FILES, ...starlingMonkeyWitInputs()];
    case "ts-quickjs":
      return [
        ...own,
        GUESTS_TSCONFIG,
        ...SDK_FILES,
        ...QUICKJS_INPUTS,
        join(ROOT, "host/toolchain/snapshot.ts"),
        ...starlingMonkeyWitInputs(),
      ];
    case "starlingmonkey":
      // esbuild reads some tsconfig options (verbatimModuleSyntax, useDefineForClassFields...).
      return [...own, GUESTS_TSCONFIG, ...starlingMonkeyWitInputs()];
    case "core-module":
      return own;
    case "other-world":
      return [...own, ...(await listFiles(WIT_DEPS_DIR)).filter((f) => f.endsWith(".wit"))];
    case "rust": {
      // cargo writes Cargo.lock on the first build (path dependencies only: it follows from
      // Cargo.toml) and a target/ if run by hand; neither is an input.
      const isSource = (f: string) => !f.includes("/target/") && !f.endsWith("/Cargo.lock");
      const sdk = (await listFiles(RUST_SDK_DIR)).filter(isSource);
      return [
        ...own.filter(isSource),
        ...sdk,
        ...RUST_BUILD_FILES,
        ...(await httpGuestWitInputs()),
      ];
    }
  }
}

let rustToolchain: Promise<RustToolchain> | undefined;

/** sha256 over the recipe, the kind, the tool versions and each input's path and content. */
async function cacheKey(guest: Guest, tools: ToolVersions): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`recipe ${RECIPE_VERSION}\nkind ${guest.kind}\ntools ${JSON.stringify(tools)}\n`);
  if (guest.kind === "rust") {
    rustToolchain ??= findRustToolchain();
    // A missing toolchain fails this guest's build (in compile), saying what to install.
    const fingerprint = await rustToolchain.then(
      (t) => t.fingerprint,
      () => "missing",
    );
    hash.update(`rustc ${fingerprint}\n`);
  }
  for (const file of await inputsOf(guest)) {
    const content = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
    hash.update(`${relative(ROOT, file)} ${content}\n`);
  }
  return hash.digest("hex");
}

const read = async (file: string) => ({ file, text: await readFile(file, "utf8") });

let starlingMonkeyWit: Promise<string> | undefined;

/** Builds one guest's bytes. */
async function compile(guest: Guest): Promise<Uint8Array> {
  switch (guest.kind) {
    case "wat": {
      const own = await read(join(guest.dir, "guest.wat"));
      // `;; world: <pkg/world>` on the first line builds against another world of wit/.
      const world = /^;; world: (\S+)/.exec(own.text)?.[1];
      return buildWatComponent([await read(PRELUDE), own], world === undefined ? {} : { world });
    }
    case "preview1": {
      const own = await read(join(guest.dir, "preview1.wat"));
      return buildWatComponent([await read(PRELUDE), own], { adapters: [await preview1Adapter()] });
    }
    case "core-module":
      return buildCoreModule(await read(join(guest.dir, "module.wat")));
    case "other-world": {
      const witPath = await prepareWorldWit(
        join(guest.dir, "world.wit"),
        join(WORLD_WIT_DIR, guest.name),
      );
      return buildWatComponent(await read(join(guest.dir, "other.wat")), { witPath });
    }
    case "ts-guest":
    case "ts-quickjs": {
      const out = join(OUT_DIR, `${guest.name}.${process.pid}.build.wasm`);
      try {
        await buildTsGuest({
          entry: join(guest.dir, "guest.ts"),
          out,
          cacheDir: null,
          engine: guest.kind === "ts-quickjs" ? "quickjs" : "starlingmonkey",
        });
        return new Uint8Array(await readFile(out));
      } finally {
        await rm(out, { force: true });
      }
    }
    case "starlingmonkey": {
      starlingMonkeyWit ??= deriveStarlingMonkeyWit(STARLINGMONKEY_WIT_DIR);
      const witPath = await starlingMonkeyWit;
      const built = await buildStarlingMonkeyGuest({ entry: join(guest.dir, "index.ts"), witPath });
      return built.component;
    }
    case "rust": {
      rustToolchain ??= findRustToolchain();
      const toolchain = await rustToolchain;
      const built = await buildRustGuest({
        project: guest.dir,
        targetDir: RUST_TARGET_DIR,
        toolchain,
      });
      return built.component;
    }
  }
}

type Outcome = "built" | "cached" | "failed";

/** Builds `guest` unless its key matches the stored one; reports on stderr. */
async function buildGuest(guest: Guest, tools: ToolVersions, force: boolean): Promise<Outcome> {
  const wasm = join(OUT_DIR, `${guest.name}.wasm`);
  const keyFile = join(OUT_DIR, `${guest.name}.key`);
  const key = await cacheKey(guest, tools);
  const stored = await readFile(keyFile, "utf8").catch(() => undefined);
  if (!force && stored?.trim() === key && existsSync(wasm)) return "cached";

  const started = performance.now();
  log(`building ${guest.name} (${LABELS[guest.kind]})… `);
  try {
    const bytes = await compile(guest);
    // Written aside and renamed, so a reader never sees half a file.
    const partial = `${wasm}.${process.pid}.tmp`;
    await writeFile(partial, bytes);
    await rename(partial, wasm);
    await writeFile(keyFile, `${key}\n`);
    log(`${seconds(performance.now() - started)}, ${size(bytes.length)}\n`);
    return "built";
  } catch (err) {
    // A stale output must not pass for this guest's: remove it with its key.
    await Promise.all([rm(wasm, { force: true }), rm(keyFile, { force: true })]);
    const why = isRusmError(err) ? err.format(rel) : err instanceof Error ? err.stack : String(err);
    log(`failed\n${why}\n`);
    return "failed";
  }
}

async function main(args: string[]): Promise<number> {
  const force = args.includes("--force");
  const names = args.filter((a) => a !== "--force");
  const all = await discoverGuests();
  const unknown = names.filter((n) => !all.some((g) => g.name === n));
  if (unknown.length > 0) {
    throw new RusmError("RUSM_USAGE", `unknown guest or flag: ${unknown.join(", ")}`, {
      hint: `usage: node scripts/build-guests.ts [--force] [name...]; guests: ${all.map((g) => g.name).join(", ")}`,
    });
  }
  // A folder's name selects its QuickJS build too (`ts-live` builds ts-live and ts-live.qjs).
  const chosen =
    names.length > 0
      ? all.filter((g) => names.includes(g.name) || names.includes(g.name.replace(/\.qjs$/, "")))
      : all;
  const tools = await toolVersions();
  await mkdir(OUT_DIR, { recursive: true });

  const started = performance.now();
  // One at a time, the fast WAT guests first. Running the WAT builds concurrently gains nothing:
  // jco's wasm-tools runs synchronously on this thread. Neither does overlapping a
  // StarlingMonkey build: componentize-js blocks the thread in spawnSync while wizer runs.
  const ordered = [
    ...chosen.filter((g) => g.kind !== "starlingmonkey" && g.kind !== "ts-guest"),
    ...chosen.filter((g) => g.kind === "starlingmonkey" || g.kind === "ts-guest"),
  ];
  const outcomes = new Map<Guest, Outcome>();
  for (const g of ordered) outcomes.set(g, await buildGuest(g, tools, force));

  const named = (outcome: Outcome) => chosen.filter((g) => outcomes.get(g) === outcome);
  const cached = named("cached");
  if (cached.length > 0) {
    log(`unchanged, not rebuilt: ${cached.map((g) => g.name).join(", ")}\n`);
  }
  const failed = named("failed");
  log(
    `${named("built").length} built, ${cached.length} cached, ${failed.length} failed in ` +
      `${seconds(performance.now() - started)} -> ${rel(OUT_DIR)}/\n`,
  );
  if (failed.length > 0) {
    log(
      `error: ${failed.length} guest(s) failed to build: ${failed.map((g) => g.name).join(", ")}\n`,
    );
    return 1;
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  log(`${isRusmError(err) ? err.format(rel) : err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = isRusmError(err, "RUSM_USAGE") ? 2 : 1;
}
