/**
 * @module toolchain/rust-build
 * `rusm build <Cargo project>`: a Rust guest (a `cdylib` crate using `rusm_rs`) to a component,
 * offline, with Debian's toolchain (toolchain/rust-toolchain.ts).
 *
 * 1. cargo builds the crate for `wasm32-unknown-unknown` with `-Zbuild-std=std,panic_abort`
 *    (`RUSTC_BOOTSTRAP=1`): std is compiled from `rust-web-src`'s sources, and crates.io is
 *    replaced by the directory of crates std vendors, so nothing is downloaded. The profile is
 *    rusm's (release, `panic = "abort"`, `opt-level = "s"`, fat LTO), so a shared target
 *    directory builds std once for every guest.
 * 2. jco's wasm-tools embed the `rusm:guest/handlers` world (wit/) and wrap the core module
 *    into a component. `wasm32-unknown-unknown` imports nothing but what `rusm_rs` binds by
 *    hand, so no preview1 adapter is needed.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";
import { RusmError } from "../errors.ts";
import { ensureToolPreopens } from "./preopens.ts";
import { findRustToolchain, type RustToolchain } from "./rust-toolchain.ts";
import { WIT_DIR } from "./wit.ts";

export const RUST_TARGET = "wasm32-unknown-unknown";
export const HANDLERS_WORLD = "rusm:guest/handlers";

/** rusm's profile and the offline source replacement, as `cargo --config` values. */
export function cargoConfig(toolchain: RustToolchain): string[] {
  return [
    'source.crates-io.replace-with="rusm-std-vendor"',
    `source.rusm-std-vendor.directory=${JSON.stringify(toolchain.vendor)}`,
    'profile.release.panic="abort"',
    'profile.release.opt-level="s"',
    "profile.release.lto=true",
    "profile.release.codegen-units=1",
    "profile.release.debug=false",
    'profile.release.strip="debuginfo"',
  ].flatMap((c) => ["--config", c]);
}

export interface RustBuildOptions {
  /** A Cargo project directory or its Cargo.toml. */
  project: string;
  /** cargo's target directory; share one between guests to build std once. */
  targetDir: string;
  /** Lines of cargo's progress (stderr). */
  progress?: ((line: string) => void) | undefined;
  toolchain?: RustToolchain;
}

export interface RustBuildResult {
  component: Uint8Array;
  /** The core module cargo built. */
  core: string;
  crate: string;
}

/** `dir/Cargo.toml` for a directory, the file itself for a Cargo.toml. */
export function manifestOf(project: string): string {
  const path = resolve(project);
  const manifest =
    existsSync(path) && statSync(path).isDirectory() ? join(path, "Cargo.toml") : path;
  if (!existsSync(manifest)) {
    throw new RusmError("RUSM_FILE_NOT_FOUND", `${manifest} does not exist`, {
      hint: "rusm build takes a Cargo project directory or its Cargo.toml",
    });
  }
  // Canonical, as cargo reports `manifest_path` (a link in the path would not match).
  return realpathSync(manifest);
}

/** The environment cargo runs in: Debian's tools first, nothing from rustup or the user's cargo. */
function cargoEnv(toolchain: RustToolchain, targetDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(CARGO|RUSTUP|RUSTC|RUSTFLAGS|RUSTDOC)/.test(k)) env[k] = v;
  }
  return {
    ...env,
    // Build scripts of std link with the host's `cc`; rustup's proxies must not come first.
    PATH: [dirname(toolchain.cargo), dirname(toolchain.rustc), "/usr/bin", "/bin"].join(":"),
    RUSTC: toolchain.rustc,
    RUSTC_BOOTSTRAP: "1",
    // A CARGO_HOME of our own: no user config, credentials or registry cache is read.
    CARGO_HOME: join(targetDir, "cargo-home"),
    CARGO_TERM_COLOR: "never",
  };
}

interface Artifact {
  reason: string;
  manifest_path?: string;
  target?: { kind: string[]; name: string };
  filenames?: string[];
}

function failed(manifest: string, why: string, log: string[]): RusmError {
  const tail = log.slice(-40).join("\n");
  return new RusmError(
    "RUSM_GUEST_BUILD",
    `cannot build the Rust guest ${manifest}: ${why}${tail ? `\n${tail}` : ""}`,
  );
}

/** Runs cargo; resolves to the `.wasm` of the project's cdylib. */
async function runCargo(
  manifest: string,
  options: RustBuildOptions,
  toolchain: RustToolchain,
): Promise<{ core: string; crate: string }> {
  const args = [
    "build",
    "--offline",
    "--release",
    "--target",
    RUST_TARGET,
    "-Zbuild-std=std,panic_abort",
    "--manifest-path",
    manifest,
    "--target-dir",
    options.targetDir,
    "--message-format=json-render-diagnostics",
    ...cargoConfig(toolchain),
  ];
  const child = spawn(toolchain.cargo, args, {
    env: cargoEnv(toolchain, options.targetDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  let core: string | undefined;
  let crate = "";
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const msg = JSON.parse(line) as Artifact;
    if (
      msg.reason === "compiler-artifact" &&
      msg.manifest_path === manifest &&
      msg.target?.kind.includes("cdylib")
    ) {
      core = msg.filenames?.find((f) => f.endsWith(".wasm"));
      crate = msg.target.name;
    }
  });
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (line) => {
    log.push(line);
    options.progress?.(line);
  });
  const status = await new Promise<number | null>((done, fail) => {
    child.on("error", fail);
    child.on("close", done);
  });
  // With progress, cargo's messages were shown as they came; without, the error carries them.
  if (status !== 0) {
    throw failed(manifest, `cargo exited with status ${status}`, options.progress ? [] : log);
  }
  if (core === undefined) {
    throw new RusmError(
      "RUSM_GUEST_BUILD",
      `${manifest} builds no cdylib: a Rust guest is a library crate built as a cdylib`,
      { hint: 'add to Cargo.toml:\n  [lib]\n  crate-type = ["cdylib"]' },
    );
  }
  return { core, crate };
}

/** Embeds the handlers world and makes the component. */
export async function componentize(core: Uint8Array, what: string): Promise<Uint8Array> {
  await ensureToolPreopens();
  try {
    const embedded = await componentEmbed({
      binary: core,
      witPath: WIT_DIR,
      world: HANDLERS_WORLD,
    });
    return await componentNew(embedded);
  } catch (err) {
    throw new RusmError(
      "RUSM_GUEST_BUILD",
      `${what}: cannot make a component of world ${HANDLERS_WORLD}: ${err instanceof Error ? err.message : String(err)}`,
      {
        hint: "a Rust guest depends on rusm_rs and has a #[rusm_rs::handlers] module (docs/rust-guide.md)",
        cause: err,
      },
    );
  }
}

/**
 * Builds a Rust guest into a component.
 *
 * Errors: `RUSM_GUEST_BUILD` when the toolchain is missing (with the apt packages), cargo
 * fails (with its last lines), the crate is not a cdylib, or the module does not fit the
 * handlers world; `RUSM_FILE_NOT_FOUND` when there is no Cargo.toml.
 */
export async function buildRustGuest(options: RustBuildOptions): Promise<RustBuildResult> {
  const manifest = manifestOf(options.project);
  const toolchain = options.toolchain ?? (await findRustToolchain());
  const { core, crate } = await runCargo(manifest, options, toolchain);
  const component = await componentize(new Uint8Array(await readFile(core)), manifest);
  return { component, core, crate };
}
