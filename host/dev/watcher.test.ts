import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { QUIET_MS, Watcher } from "./watcher.ts";

// Real files, real fs.watch: a burst of writes (as an editor saves) is reported once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Watcher", () => {
  let dir: string;
  let watcher: Watcher | null = null;
  afterEach(async () => {
    watcher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function setUp(): Promise<{ bursts: Array<Set<string>>; file: string; other: string }> {
    dir = await mkdtemp(join(tmpdir(), "rusm-watch-test-"));
    const file = join(dir, "app.ts");
    const other = join(dir, "notes.txt");
    await writeFile(file, "1");
    await writeFile(other, "1");
    const bursts: Array<Set<string>> = [];
    watcher = new Watcher((changed) => bursts.push(new Set(changed)));
    watcher.set({ files: [file], trees: [] });
    return { bursts, file, other };
  }

  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await sleep(20);
    }
  }

  it("reports a burst of writes to a watched file once, and ignores other files", async () => {
    const { bursts, file, other } = await setUp();
    for (let i = 0; i < 5; i++) await writeFile(file, `v${i}`);
    await writeFile(other, "2");
    await until(() => bursts.length > 0);
    await sleep(QUIET_MS * 3);
    expect(bursts).toEqual([new Set([file])]);
  });

  it("sees a save that writes a new file and renames it over the old one", async () => {
    const { bursts, file } = await setUp();
    await writeFile(`${file}.swp`, "new");
    await rename(`${file}.swp`, file);
    await until(() => bursts.length > 0);
    expect(bursts[0]).toEqual(new Set([file]));
  });

  it("watches a tree with a filter (a Rust crate without target/)", async () => {
    const { bursts } = await setUp();
    watcher!.set({ files: [], trees: [{ dir, accept: (f) => f.endsWith(".rs") }] });
    await writeFile(join(dir, "lib.txt"), "x");
    await writeFile(join(dir, "lib.rs"), "x");
    await until(() => bursts.length > 0);
    expect(bursts[0]).toEqual(new Set([join(dir, "lib.rs")]));
  });
});
