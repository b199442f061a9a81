/**
 * Completeness (wasmtime's `assert_test_exists`): every guest folder under guests/ (except the
 * `_`-prefixed shared folders) is used by at least one `*.test.ts` under test/, found as
 * `guest("<name>")`; a guest without a test fails this test by name. Also checks the other
 * way: every `guest("<name>")` a test uses is a guest folder (no test of a deleted guest).
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/rusm.ts";

async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await testFiles(path)));
    else if (entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

async function guestFolders(): Promise<string[]> {
  const entries = await readdir(join(ROOT, "guests"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("_"))
    .map((e) => e.name)
    .sort();
}

/** guest name -> the test files that use it. */
async function guestUses(): Promise<Map<string, string[]>> {
  const uses = new Map<string, string[]>();
  for (const file of await testFiles(join(ROOT, "test"))) {
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(/\bguest\("([a-z0-9-]+)"[,)]/g)) {
      const list = uses.get(m[1]!) ?? [];
      list.push(relative(ROOT, file));
      uses.set(m[1]!, list);
    }
  }
  return uses;
}

describe("every guest has a test", () => {
  it("finds the guest folders and the test files (the check itself is alive)", async () => {
    const guests = await guestFolders();
    expect(guests).toContain("sse-endless");
    expect(guests.some((g) => g.startsWith("_"))).toBe(false);
    expect((await guestUses()).get("sse-endless")?.length).toBeGreaterThan(0);
  });

  it('each guests/<name> folder is used as guest("<name>") by a test under test/', async () => {
    const uses = await guestUses();
    const untested = (await guestFolders()).filter((g) => !uses.has(g));
    expect(untested, `guests without a test: ${untested.join(", ")}`).toEqual([]);
  });

  it('each guest("<name>") in a test names an existing guest folder', async () => {
    const guests = new Set(await guestFolders());
    const unknown = [...(await guestUses()).entries()].filter(([g]) => !guests.has(g));
    expect(unknown.map(([g, files]) => `${g} (in ${files.join(", ")})`)).toEqual([]);
  });
});
