/**
 * Damaged components fail to load in one line (issue 15): of 200 components with bytes flipped or
 * cut, 176 printed jco's multi-line "Caused by:" chain (wasm-tools reports errors in anyhow's
 * debug format). Every load failure is now `rusm: error[RUSM_COMPONENT_INVALID] <where>:
 * component "x" (<path>) …: <cause>` on one line, plus the hint line when there is one; the
 * whole chain goes to the debug log (component/load-error.ts).
 *
 * The corpus is made here, deterministically, from a built guest with several core modules
 * (wasip1-hello: the component's own sections, and four core modules with theirs):
 * - truncations: inside each of the component's first sections, at a quarter, half and three
 *   quarters of the file, and one byte short;
 * - flipped bytes: the size of the first section of each kind in the component, the first byte
 *   of its contents (but custom sections'), and in each core module its type, import and code
 *   sections' sizes, and the first function body's local declarations.
 * Each variant is served by its own `rusm serve` (one worker, its own cache directory): it must
 * exit 1 (not crash, not hang) with exactly one `error[` line, of that code, and no "Caused by",
 * no stack trace, nothing else but the hint. The variants take 1-2 s each, two at a time.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guest, runRusm } from "./helpers/rusm.ts";

interface Section {
  id: number;
  /** Offset of the id byte, of the contents, and just past the section. */
  start: number;
  body: number;
  end: number;
}

function leb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

/** The sections of a component or core module whose 8-byte header starts at `from`. */
function sections(bytes: Uint8Array, from = 0, to = bytes.length): Section[] {
  const out: Section[] = [];
  for (let at = from + 8; at < to;) {
    const [size, body] = leb(bytes, at + 1);
    out.push({ id: bytes[at]!, start: at, body, end: body + size });
    at = body + size;
  }
  return out;
}

const COMPONENT_CORE_MODULE = 1;
const [TYPE, IMPORT, CODE] = [1, 2, 10];

interface Variant {
  name: string;
  bytes: Uint8Array;
}

function flipped(base: Uint8Array, at: number, mask = 0xff): Uint8Array {
  const bytes = Uint8Array.from(base);
  bytes[at] = bytes[at]! ^ mask;
  return bytes;
}

/** The first section of each kind: a component repeats kinds (one per type, alias...) often. */
function firstOfEachKind(list: Section[]): Section[] {
  return list.filter((s, i) => list.findIndex((t) => t.id === s.id) === i);
}

/** The damaged variants of `base` (see the module comment). */
function corpus(base: Uint8Array): Variant[] {
  const top = sections(base);
  const variants: Variant[] = [];
  for (const s of firstOfEachKind(top).slice(0, 6)) {
    const at = s.body + Math.floor((s.end - s.body) / 2);
    variants.push({ name: `cut inside section ${s.id} at ${at}`, bytes: base.slice(0, at) });
  }
  for (const f of [0.25, 0.5, 0.75]) {
    const at = Math.floor(base.length * f);
    variants.push({ name: `cut at ${at} (${f * 100}%)`, bytes: base.slice(0, at) });
  }
  variants.push({ name: "one byte short", bytes: base.slice(0, base.length - 1) });
  for (const s of firstOfEachKind(top)) {
    variants.push({
      name: `section ${s.id} at ${s.start}: size byte flipped`,
      bytes: flipped(base, s.start + 1, 0x40),
    });
    if (s.id !== 0) {
      variants.push({
        name: `section ${s.id} at ${s.start}: first content byte flipped`,
        bytes: flipped(base, s.body),
      });
    }
  }
  for (const m of top.filter((s) => s.id === COMPONENT_CORE_MODULE)) {
    for (const s of sections(base, m.body, m.end)) {
      if ([TYPE, IMPORT, CODE].includes(s.id)) {
        variants.push({
          name: `core module at ${m.body}: section ${s.id} size byte flipped`,
          bytes: flipped(base, s.start + 1, 0x40),
        });
      }
      if (s.id === CODE) {
        // Past the function count and the first body's size: its local declarations.
        const [, firstBody] = leb(base, s.body);
        const [, locals] = leb(base, firstBody);
        variants.push({
          name: `core module at ${m.body}: first function's locals flipped`,
          bytes: flipped(base, locals),
        });
      }
    }
  }
  return variants;
}

interface Outcome {
  variant: string;
  code: number | null;
  stderr: string;
}

/** Runs `jobs` two at a time; the results in the jobs' order. */
async function twoAtATime<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++) results[i] = await jobs[i]!();
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe("damaged components fail to load in one line", () => {
  let dir = "";
  let outcomes: Outcome[] = [];
  let count = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rusm-damaged-"));
    const variants = corpus(new Uint8Array(await readFile(guest("wasip1-hello"))));
    count = variants.length;
    outcomes = await twoAtATime(
      variants.map((v, i) => async (): Promise<Outcome> => {
        const wasm = join(dir, `v${i}.wasm`);
        const routes = join(dir, `v${i}.toml`);
        await writeFile(wasm, v.bytes);
        await writeFile(
          routes,
          `[serve]\nlisten = "127.0.0.1:0"\nworkers = 1\n\n[components]\nx = "v${i}.wasm"\n\n` +
            `[serve.routes]\n"GET /" = "x"\n`,
        );
        const run = await runRusm(["serve", routes, "--cache-dir", join(dir, `cache${i}`)], {
          timeoutMs: 60_000,
        });
        return { variant: v.name, code: run.code, stderr: run.stderr };
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the corpus has truncations and flips in the component's and its core modules' sections", () => {
    expect(count).toBeGreaterThanOrEqual(35);
    expect(outcomes.length).toBe(count);
    expect(outcomes.filter((o) => o.variant.startsWith("core module")).length).toBeGreaterThan(10);
  });

  it("each exits 1 with exactly one error[RUSM_COMPONENT_INVALID] line: no Caused by, no stack", () => {
    const wrong: string[] = [];
    for (const o of outcomes) {
      // Progress lines of the transpile come first; the error is the rest.
      const lines = o.stderr
        .split("\n")
        .filter((l) => l !== "" && !/^rusm: (transpiling|transpiled| {2}…still)/.test(l));
      const errors = lines.filter((l) => l.startsWith("rusm: error["));
      const other = lines.filter((l) => !l.startsWith("rusm: error[") && !/^ {2}hint: /.test(l));
      const ok =
        o.code === 1 &&
        errors.length === 1 &&
        errors[0]!.startsWith("rusm: error[RUSM_COMPONENT_INVALID] ") &&
        errors[0]!.includes('component "x" (') &&
        other.length === 0 &&
        !/Caused by/i.test(o.stderr) &&
        !/^\s+at /m.test(o.stderr);
      if (!ok) wrong.push(`${o.variant} (exit ${o.code}):\n${o.stderr}`);
    }
    expect(wrong, wrong.join("\n---\n")).toEqual([]);
  });

  it("the cause follows on the same line (a cut: wasm-tools' end-of-file and its offset)", () => {
    const line = outcomes[0]!.stderr.split("\n").find((l) => l.startsWith("rusm: error["))!;
    expect(line).toMatch(
      /component "x" \(.*v0\.wasm\) could not be transpiled: .*: unexpected end-of-file \(at offset 0x[0-9a-f]+\)$/,
    );
  });
});
