/**
 * @module dev/watcher
 * Watches files and directory trees with Node's fs.watch and reports what changed in bursts:
 * an editor's save is often several writes (truncate, write, rename), so changes are collected
 * until the files have been quiet for {@link QUIET_MS}, then reported once.
 *
 * A file is watched through its directory (not its inode): an editor that saves by writing a
 * new file and renaming it over the old one is still seen.
 */
import { watch, type FSWatcher } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** How long the watched files must be quiet before a burst of changes is reported. */
export const QUIET_MS = 150;

/** What to watch: single files, and directory trees with a filter on their paths. */
export interface WatchSet {
  readonly files: Iterable<string>;
  readonly trees: Iterable<{ dir: string; accept: (file: string) => boolean }>;
}

export class Watcher {
  readonly #onBurst: (changed: ReadonlySet<string>) => void;
  readonly #watchers = new Map<string, FSWatcher>();
  #files = new Set<string>();
  #trees: Array<{ dir: string; accept: (file: string) => boolean }> = [];
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(onBurst: (changed: ReadonlySet<string>) => void) {
    this.#onBurst = onBurst;
  }

  /** Watches exactly `set` from now on (directories no longer needed are unwatched). */
  set(set: WatchSet): void {
    this.#files = new Set([...set.files].map((f) => resolve(f)));
    this.#trees = [...set.trees].map((t) => ({ dir: resolve(t.dir), accept: t.accept }));
    const wanted = new Map<string, boolean>();
    for (const file of this.#files) wanted.set(dirname(file), false);
    for (const tree of this.#trees) wanted.set(tree.dir, true);
    for (const [key, watcher] of this.#watchers) {
      const [dir, recursive] = [key.slice(2), key.startsWith("r:")];
      if (wanted.get(dir) !== recursive) {
        watcher.close();
        this.#watchers.delete(key);
      }
    }
    for (const [dir, recursive] of wanted) {
      const key = `${recursive ? "r" : "f"}:${dir}`;
      if (this.#watchers.has(key)) continue;
      try {
        const watcher = watch(dir, { recursive, persistent: true }, (_event, name) => {
          if (name !== null) this.#seen(join(dir, name.toString()));
        });
        // A watched directory that goes away (deleted, unmounted): its files are not seen any
        // more; the next set() watches it again if it is back. Swallowed on purpose.
        watcher.on("error", () => undefined);
        this.#watchers.set(key, watcher);
      } catch {
        // A directory that does not exist (yet): nothing in it to see. Swallowed on purpose.
      }
    }
  }

  #seen(file: string): void {
    const wanted =
      this.#files.has(file) ||
      this.#trees.some((t) => file.startsWith(`${t.dir}/`) && t.accept(file));
    if (!wanted) return;
    this.#pending.add(file);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const changed = this.#pending;
      this.#pending = new Set();
      this.#onBurst(changed);
    }, QUIET_MS);
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}
