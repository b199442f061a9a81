/**
 * @module scripts/test-deps
 * Makes sure the programs the test suite runs for real are installed, before `npm test` builds
 * guests and runs vitest: today `redis-server` (Debian package `redis-server`), which the
 * broker's two-node tests start on 127.0.0.1 (test/helpers/redis.ts).
 *
 * Present: nothing to do. Missing, as root on a Debian/Ubuntu machine (CI): installs it with
 * apt-get. Missing otherwise: exits 1 saying what to install. `RUSM_SKIP_TEST_DEPS=1` skips the
 * check (the tests that need the program then fail, saying why).
 *
 *     node scripts/test-deps.ts
 */
import { spawnSync } from "node:child_process";

interface Program {
  /** The command tests run. */
  command: string;
  /** The Debian package that provides it. */
  debian: string;
  /** What needs it. */
  why: string;
}

const PROGRAMS: Program[] = [
  {
    command: "redis-server",
    debian: "redis-server",
    why: "the broker's two-node fan-out tests (test/broker-redis.test.ts)",
  },
];

function has(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

function run(command: string, args: string[]): boolean {
  console.log(`test-deps: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

function main(): number {
  if (process.env.RUSM_SKIP_TEST_DEPS === "1") return 0;
  const missing = PROGRAMS.filter((p) => !has(p.command));
  if (missing.length === 0) return 0;
  const packages = missing.map((p) => p.debian);
  const canApt = process.getuid?.() === 0 && has("apt-get");
  if (canApt) {
    // The packages' services are not started (no init system in CI containers); tests start
    // their own servers on free ports.
    if (
      run("apt-get", ["update", "-qq"]) &&
      run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages])
    ) {
      const still = missing.filter((p) => !has(p.command));
      if (still.length === 0) return 0;
    }
  }
  for (const p of missing) {
    console.error(
      `test-deps: error: ${p.command} is not installed; it is needed by ${p.why}.\n` +
        `  install it: sudo apt-get install ${p.debian}   (Debian/Ubuntu; elsewhere, your package manager's redis)\n` +
        `  or skip this check with RUSM_SKIP_TEST_DEPS=1 (those tests then fail)`,
    );
  }
  return 1;
}

process.exitCode = main();
