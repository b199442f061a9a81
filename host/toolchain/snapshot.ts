/**
 * @module toolchain/snapshot
 * Pre-initialises a core module in Node, as wizer does in wasmtime: instantiate it with every
 * import trapping, call an init export, then write a module whose memory starts as the init
 * left it (its non-zero runs as active data segments, its size as the initial pages) and that
 * no longer exports the init function. For the QuickJS backend (toolchain/quickjs.ts): the
 * engine evaluates the guest's bundle at build time and each request starts from the result.
 *
 * Holds only for modules whose state after init is all in memory 0: mutable globals must be
 * back at their initial values (the stack pointer is, when init returns) and tables unchanged
 * (QuickJS writes neither). The dead part of the C stack is written as zeros.
 */
import { leb, Reader, sleb32 } from "../wasm/bytes.ts";
import { sectionBytes, sectionsOf, type Section } from "../wasm/binary.ts";

const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;
const PAGE = 65_536;
/** Zero runs shorter than this stay inside a segment (each segment costs ~8 bytes). */
const GAP = 32;

/** The export section without the names in `drop`. */
function exportsWithout(module: Uint8Array, s: Section, drop: Set<string>): Uint8Array {
  const r = new Reader(module, s.bodyStart);
  const count = r.u32();
  const kept: number[] = [];
  let n = 0;
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const len = r.u32();
    const name = Buffer.from(module.subarray(r.pos, r.pos + len)).toString("utf8");
    r.pos += len + 1; // the name, then the export's kind byte
    r.u32(); // its index
    if (drop.has(name)) continue;
    kept.push(...module.subarray(start, r.pos));
    n++;
  }
  return sectionBytes(SECTION_EXPORT, [...leb(BigInt(n)), ...kept]);
}

/** Active segments for the non-zero runs of `image`. */
function dataSegments(image: Uint8Array): { body: Uint8Array; count: number } {
  const parts: number[][] = [];
  let i = 0;
  while (i < image.length) {
    while (i < image.length && image[i] === 0) i++;
    if (i >= image.length) break;
    const start = i;
    let zeros = 0;
    while (i < image.length && zeros < GAP) {
      zeros = image[i] === 0 ? zeros + 1 : 0;
      i++;
    }
    const end = i - zeros;
    // flag 0 (active, memory 0), i32.const offset, end; then the bytes.
    parts.push([0, 0x41, ...sleb32(start), 0x0b, ...leb(BigInt(end - start))]);
    parts.push([...image.subarray(start, end)]);
  }
  const count = parts.length / 2;
  const chunks = [Uint8Array.from(leb(BigInt(count))), ...parts.map((p) => Uint8Array.from(p))];
  return { body: new Uint8Array(Buffer.concat(chunks)), count };
}

export interface SnapshotResult {
  module: Uint8Array;
  /** What the init export returned. */
  result: unknown;
  /** Memory pages at the snapshot, and the bytes its data segments hold. */
  pages: number;
  dataBytes: number;
}

/**
 * Runs `init(memory)` on an instance of `module` (every import throws if called) and writes
 * the snapshot. `init` receives the instance's exports; `drop` names the exports to remove.
 * `stack` names the exports holding the C stack's bounds (zeroed in the image); `allowed`
 * gives the imports init may call (clocks read at engine start, for instance).
 */
export async function snapshot(
  module: Uint8Array,
  init: (exports: WebAssembly.Exports, memory: WebAssembly.Memory) => unknown,
  drop: string[],
  stack?: { low: string; high: string },
  allowed: Record<string, Record<string, (...args: never[]) => unknown>> = {},
): Promise<SnapshotResult> {
  const compiled = await WebAssembly.compile(module);
  const imports: Record<string, Record<string, () => never>> = {};
  for (const i of WebAssembly.Module.imports(compiled)) {
    imports[i.module] ??= {};
    const given = allowed[i.module]?.[i.name] as (() => never) | undefined;
    imports[i.module]![i.name] =
      given ??
      (() => {
        throw new Error(
          `${i.module}#${i.name} was called at build time: the top level may not do I/O`,
        );
      });
  }
  const instance = await WebAssembly.instantiate(compiled, imports);
  const memory = instance.exports["memory"] as WebAssembly.Memory;
  const result = init(instance.exports, memory);
  const image = new Uint8Array(memory.buffer).slice();
  if (stack !== undefined) {
    const low = (instance.exports[stack.low] as WebAssembly.Global).value as number;
    const high = (instance.exports[stack.high] as WebAssembly.Global).value as number;
    image.fill(0, low, high);
  }
  const pages = image.length / PAGE;
  const data = dataSegments(image);
  const out: Uint8Array[] = [module.subarray(0, 8)];
  for (const s of sectionsOf(module)) {
    if (s.id === SECTION_MEMORY) {
      // One memory: flags 0 (no maximum) or 1, min, [max]. The maximum is the host's to set.
      out.push(sectionBytes(SECTION_MEMORY, [1, 0, ...leb(BigInt(pages))]));
    } else if (s.id === SECTION_EXPORT) {
      out.push(exportsWithout(module, s, new Set(drop)));
    } else if (s.id === SECTION_DATA_COUNT) {
      out.push(sectionBytes(SECTION_DATA_COUNT, leb(BigInt(data.count))));
    } else if (s.id === SECTION_DATA) {
      out.push(sectionBytes(SECTION_DATA, data.body));
    } else {
      out.push(module.subarray(s.start, s.end));
    }
  }
  return {
    module: new Uint8Array(Buffer.concat(out)),
    result,
    pages,
    dataBytes: data.body.length,
  };
}
