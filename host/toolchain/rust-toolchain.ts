/**
 * @module toolchain/rust-toolchain
 * Finds the Rust toolchain `rusm build` compiles Rust guests with: Debian's `rustc-web` and
 * `cargo-web` (1.96 in bookworm-security), `rust-web-src` (the standard library's sources and
 * the crates it depends on, which `-Zbuild-std` builds for `wasm32-unknown-unknown`), and the
 * `lld` behind `rust-lld`.
 *
 * Paths are resolved explicitly under one prefix (`/usr`, or `RUSM_RUST_PREFIX`) and never from
 * PATH: a rustup toolchain in `~/.cargo/bin` has no `rust-src` for the std build rusm relies on,
 * and would make builds differ between machines. Each missing piece is reported with the apt
 * packages that provide it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { RusmError } from "../errors.ts";

/** The Debian packages a Rust guest build needs (bookworm: from bookworm-security). */
export const RUST_DEBIAN_PACKAGES = [
  "rustc-web",
  "cargo-web",
  "rust-web-src",
  "rust-web-llvm",
  "lld-22",
] as const;

/** The oldest rustc whose std sources build `wasm32-unknown-unknown` guests as rusm does. */
export const MIN_RUSTC = [1, 85] as const;

export interface RustToolchain {
  cargo: string;
  rustc: string;
  /** `rustc -vV`'s `release:` (`1.96.0`). */
  version: string;
  /** The std sources `-Zbuild-std` compiles (`<sysroot>/lib/rustlib/src/rust/library`). */
  library: string;
  /** The crates std depends on (`library/vendor`), used as the crates.io replacement. */
  vendor: string;
  /** The whole `rustc -vV` output, for cache keys. */
  fingerprint: string;
}

const install = (packages: readonly string[]) =>
  `install Debian's Rust toolchain (as root): apt-get install ${packages.join(" ")}; docs/rust-guide.md says more`;

function missing(what: string, packages: readonly string[] = RUST_DEBIAN_PACKAGES): RusmError {
  return new RusmError("RUSM_GUEST_BUILD", `cannot build a Rust guest: ${what}`, {
    hint: install(packages),
  });
}

/** The prefix Debian's toolchain lives under: `/usr`, or `RUSM_RUST_PREFIX`. */
export function rustPrefix(): string {
  const env = process.env.RUSM_RUST_PREFIX;
  return env !== undefined && env !== "" ? env : "/usr";
}

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/**
 * Finds and checks the toolchain. Errors: `RUSM_GUEST_BUILD` naming what is missing (rustc,
 * a rustc older than 1.85 such as bookworm's `rustc` 1.63, cargo, the std sources, the linker)
 * and the apt packages to install.
 */
export async function findRustToolchain(prefix = rustPrefix()): Promise<RustToolchain> {
  const rustc = join(prefix, "bin", "rustc");
  const cargo = join(prefix, "bin", "cargo");
  if (!existsSync(rustc)) throw missing(`${rustc} does not exist`);
  const vv = spawnSync(rustc, ["-vV"], { encoding: "utf8" });
  const version = /^release: (\S+)$/m.exec(vv.stdout ?? "")?.[1];
  if (vv.status !== 0 || version === undefined) {
    throw missing(`${rustc} -vV failed: ${(vv.stderr ?? "").trim() || `status ${vv.status}`}`);
  }
  if (!atLeast(version, MIN_RUSTC)) {
    throw missing(
      `${rustc} is rustc ${version}; Rust guests need ${MIN_RUSTC.join(".")} or newer (Debian's rustc-web, which replaces the rustc package)`,
    );
  }
  if (!existsSync(cargo)) throw missing(`${cargo} does not exist`, ["cargo-web"]);
  const sysroot = spawnSync(rustc, ["--print", "sysroot"], { encoding: "utf8" }).stdout.trim();
  const library = join(sysroot, "lib", "rustlib", "src", "rust", "library");
  const vendor = join(library, "vendor");
  if (!existsSync(join(library, "Cargo.lock")) || !existsSync(vendor)) {
    throw missing(`the standard library's sources are not in ${library}`, ["rust-web-src"]);
  }
  await checkLinker(sysroot);
  return { cargo, rustc, version, library, vendor, fingerprint: vv.stdout };
}

/** `rust-lld` is a link to a versioned lld (`lld-22`) that rustc-web does not pull in. */
async function checkLinker(sysroot: string): Promise<void> {
  const lld = join(sysroot, "bin", "rust-lld");
  // existsSync follows the link: false when lld-NN is not installed.
  if (existsSync(lld)) return;
  const target = await readlink(lld).catch(() => undefined);
  const pkg = target === undefined ? "lld" : basename(target);
  throw missing(
    `the wasm linker ${lld}${target === undefined ? "" : ` (-> ${target})`} does not exist`,
    [pkg],
  );
}
