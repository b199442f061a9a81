/**
 * @module import-graph
 * The host's import graph, for tests and scripts only: every relative import of the files under
 * `host/` (static, side-effect, re-export and `import()`), the room (first folder) each file sits
 * in, and the circles among files or rooms (strongly connected components, Tarjan). Read by
 * `host/layers.test.ts`; `node scripts/import-graph.ts` prints the circles.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const HOST = join(ROOT, "host");

/** One edge: `from` imports `to` (both paths relative to the repo root). */
export interface Edge {
  from: string;
  to: string;
  /** true for `import type` / `export type` (erased at run time, still a dependency) */
  typeOnly: boolean;
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

// `import ... from "x"` and `export ... from "x"` at the start of a line (so not in a comment),
// a side-effect `import "x"`, and `import("x")`.
const SPECIFIER =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/**
 * A unit test or its fixtures (`name.test.ts`, `name.test-support.ts`, `test-support.ts`): not
 * run by rusm itself.
 */
export function isTestFile(path: string): boolean {
  return /(\.test\.ts|(^|[./])test-support\.ts)$/.test(path);
}

/** Every relative import of the host's files; tests and test support left out unless asked. */
export function hostEdges(options: { tests?: boolean } = {}): Edge[] {
  const files = walk(HOST, []).filter((f) => options.tests || !isTestFile(f));
  const edges: Edge[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[3] ?? m[4] ?? m[5];
      if (!spec || !spec.startsWith(".")) continue;
      let target = resolve(dirname(file), spec);
      if (target.endsWith(".js")) target = target.slice(0, -3) + ".ts";
      edges.push({
        from: relative(ROOT, file).split(sep).join("/"),
        to: relative(ROOT, target).split(sep).join("/"),
        typeOnly: Boolean(m[2]),
      });
    }
  }
  return edges;
}

/** The room a host file belongs to: its first folder under host/, or the file itself (`errors`). */
export function roomOf(path: string): string {
  const parts = path.replace(/^host\//, "").split("/");
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, "");
}

/** Strongly connected components with more than one node (or a self-loop): the circles. */
export function circles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.has(v)) out.push(scc.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** Folder-level edges (a room importing another room). */
export function roomEdges(edges: readonly Edge[]): { from: string; to: string; via: string }[] {
  const seen = new Map<string, { from: string; to: string; via: string }>();
  for (const e of edges) {
    const from = roomOf(e.from);
    const to = roomOf(e.to);
    if (from === to) continue;
    const key = `${from}->${to}`;
    if (!seen.has(key)) seen.set(key, { from, to, via: `${e.from} -> ${e.to}` });
  }
  return [...seen.values()];
}
