/**
 * @module scripts/test-deps
 * Makes sure the programs the test suite runs for real are installed, before `npm test` builds
 * guests and runs vitest: `redis-server` (Debian package `redis-server`), which the broker's
 * two-node tests start on 127.0.0.1 (test/helpers/redis.ts), and Debian's Rust toolchain
 * (`rustc-web`, `cargo-web`, `rust-web-src`, `rust-web-llvm`, `lld-22`), which builds the Rust
 * guests (guests/rs-*, host/toolchain/rust-toolchain.ts), and Debian's clang-19, lld-19,
 * wasi-libc and wasm32 compiler-rt, which build the QuickJS engine of `rusm build --engine
 * quickjs` (the `.qjs` guests, host/toolchain/quickjs.ts). Both checks look under /usr only,
 * never on PATH: a rustup toolchain or another clang does not count.
 *
 * Present: nothing to do. Missing, as root on a Debian/Ubuntu machine (CI): installs it with
 * apt-get. Missing otherwise: exits 1 saying what to install. `RUSM_SKIP_TEST_DEPS=1` skips the
 * check (the tests that need the program then fail, saying why).
 *
 *     node scripts/test-deps.ts
 */
import { spawnSync } from "node:child_process";
import { QUICKJS_APT_PACKAGES, quickjsToolchainPresent } from "../host/toolchain/quickjs.ts";
import { RUST_DEBIAN_PACKAGES, findRustToolchain } from "../host/toolchain/rust-toolchain.ts";

interface Program {
  /** The command tests run. */
  command: string;
  /** The Debian packages that provide it. */
  debian: readonly string[];
  /** What needs it. */
  why: string;
  /** Whether it is installed (default: `command --version` succeeds). */
  present?: () => Promise<boolean>;
}

const PROGRAMS: Program[] = [
  {
    command: "redis-server",
    debian: ["redis-server"],
    why: "the broker's two-node fan-out tests (test/broker-redis.test.ts)",
  },
  {
    command: "/usr/bin/rustc (1.85+) and /usr/bin/cargo, with the std sources and rust-lld",
    debian: RUST_DEBIAN_PACKAGES,
    why: "the Rust guests (guests/rs-*, npm run build:guests; test/rust-guests.test.ts)",
    present: () =>
      findRustToolchain("/usr").then(
        () => true,
        () => false,
      ),
  },
  {
    command: "/usr/lib/llvm-19/bin/clang with wasm-ld, wasi-libc and the wasm32 builtins",
    debian: QUICKJS_APT_PACKAGES,
    why: "the QuickJS engine of the .qjs guests (npm run build:guests; test/ts-guests.test.ts)",
    present: () => Promise.resolve(quickjsToolchainPresent()),
  },
  {
    command: "/usr/bin/chromium",
    debian: ["chromium"],
    why: "the browser tests (test/websocket-browser.test.ts, test/http2-browser.test.ts, driven by puppeteer-core)",
  },
  {
    command: "openssl",
    debian: ["openssl"],
    why: "the self-signed certificates of the TLS and HTTP/2 tests (test/helpers/tls.ts)",
    present: () =>
      Promise.resolve(spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0),
  },
];

function has(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

async function installed(p: Program): Promise<boolean> {
  return p.present ? p.present() : has(p.command);
}

async function missingOf(programs: Program[]): Promise<Program[]> {
  const present = await Promise.all(programs.map(installed));
  return programs.filter((_, i) => !present[i]);
}

function run(command: string, args: string[]): boolean {
  console.log(`test-deps: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

async function main(): Promise<number> {
  if (process.env.RUSM_SKIP_TEST_DEPS === "1") return 0;
  const missing = await missingOf(PROGRAMS);
  if (missing.length === 0) return 0;
  const packages = missing.flatMap((p) => p.debian);
  const canApt = process.getuid?.() === 0 && has("apt-get");
  if (canApt) {
    // The packages' services are not started (no init system in CI containers); tests start
    // their own servers on free ports.
    if (
      run("apt-get", ["update", "-qq"]) &&
      run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages])
    ) {
      const still = await missingOf(missing);
      if (still.length === 0) return 0;
    }
  }
  for (const p of missing) {
    console.error(
      `test-deps: error: ${p.command} is not installed; it is needed by ${p.why}.\n` +
        `  install it: sudo apt-get install ${p.debian.join(" ")}   (Debian/Ubuntu${p.present ? ", bookworm-security or newer" : "; elsewhere, your package manager's redis"})\n` +
        `  or skip this check with RUSM_SKIP_TEST_DEPS=1 (those tests then fail)`,
    );
  }
  return 1;
}

process.exitCode = await main();
