/**
 * findRustToolchain: what a machine without Debian's Rust toolchain is told. Fake prefixes
 * stand in for /usr (RUSM_RUST_PREFIX's job), so these run whatever is installed.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRusmError } from "../errors.ts";
import { findRustToolchain, RUST_DEBIAN_PACKAGES } from "./rust-toolchain.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A prefix whose bin/rustc prints `release: <version>` (and the prefix as its sysroot). */
async function fakePrefix(version?: string): Promise<string> {
  const prefix = await mkdtemp(join(tmpdir(), "rusm-rust-prefix-"));
  dirs.push(prefix);
  await mkdir(join(prefix, "bin"));
  if (version !== undefined) {
    const rustc = join(prefix, "bin", "rustc");
    await writeFile(
      rustc,
      `#!/bin/sh\nif [ "$1" = "--print" ]; then echo ${prefix}; else echo "rustc ${version}"; echo "release: ${version}"; fi\n`,
    );
    await chmod(rustc, 0o755);
  }
  return prefix;
}

async function failure(prefix: string): Promise<string> {
  const err: unknown = await findRustToolchain(prefix).then(
    () => new Error("findRustToolchain succeeded"),
    (e: unknown) => e,
  );
  expect(isRusmError(err, "RUSM_GUEST_BUILD"), String(err)).toBe(true);
  return isRusmError(err) ? err.format((f) => f) : String(err);
}

describe("findRustToolchain", () => {
  it("no rustc under the prefix: names it and the apt packages", async () => {
    const prefix = await fakePrefix();
    const text = await failure(prefix);
    expect(text).toContain(`${join(prefix, "bin", "rustc")} does not exist`);
    expect(text).toContain(`apt-get install ${RUST_DEBIAN_PACKAGES.join(" ")}`);
  });

  it("bookworm's rustc 1.63 is too old: says rustc-web replaces it", async () => {
    const text = await failure(await fakePrefix("1.63.0"));
    expect(text).toContain("is rustc 1.63.0; Rust guests need 1.85 or newer");
    expect(text).toContain("rustc-web");
  });

  it("a new enough rustc without cargo: says cargo-web", async () => {
    const text = await failure(await fakePrefix("1.96.0"));
    expect(text).toMatch(/bin\/cargo does not exist/);
    expect(text).toContain("apt-get install cargo-web");
  });

  it("rustc and cargo without the std sources: says rust-web-src", async () => {
    const prefix = await fakePrefix("1.96.0");
    await writeFile(join(prefix, "bin", "cargo"), "");
    const text = await failure(prefix);
    expect(text).toContain("the standard library's sources are not in");
    expect(text).toContain("apt-get install rust-web-src");
  });
});
