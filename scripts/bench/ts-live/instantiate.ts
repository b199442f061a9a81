/**
 * @module scripts/bench/ts-live/instantiate
 * What V8's instantiation of the StarlingMonkey main core module costs, and how much of it is
 * its function table: `new WebAssembly.Instance` of `ts-live`'s main module as rusm loads it
 * (memory imported, data segments captured), against the same module without its element
 * section (the 7,782-entry table left empty: it would trap on the first indirect call, so it is
 * instantiated, never run). Imports are no-op functions and one pooled memory; the last 20
 * instances are kept alive, as a busy server keeps some. Prints µs of wall and CPU (all
 * threads: V8's GC included) per instance.
 *
 *     node scripts/bench/ts-live/instantiate.ts [N]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheKey, defaultCacheDir } from "../../../host/component/cache.ts";
import { TRANSPILE_OPTIONS, TRANSPILER } from "../../../host/component/transpile.ts";
import { importMemory, passiveDataSegments } from "../../../host/wasm/binary.ts";
import { guestPath } from "../lib/paths.ts";

const ELEMENT_SECTION = 9;

/** `bytes` with every section of id `id` left out. */
function withoutSection(bytes: Uint8Array, id: number): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let o = 8;
  const leb = (): number => {
    let r = 0;
    for (let s = 0; ; s += 7) {
      const b = bytes[o++]!;
      r += (b & 0x7f) * 2 ** s;
      if ((b & 0x80) === 0) return r;
    }
  };
  while (o < bytes.length) {
    const start = o;
    const sid = bytes[o++]!;
    const end = leb() + o;
    if (sid !== id) parts.push(bytes.subarray(start, end));
    o = end;
  }
  return Buffer.concat(parts);
}

/** The main core module of `ts-live` as rusm's loader prepares it. */
function mainModule(): { bytes: Uint8Array; pages: number } {
  const wasm = new Uint8Array(readFileSync(guestPath("ts-live")));
  const key = cacheKey(wasm, TRANSPILER, TRANSPILE_OPTIONS);
  const core = join(defaultCacheDir(), "transpiled", key, "component.core.wasm");
  const pooled = importMemory(new Uint8Array(readFileSync(core)), 65_536);
  const pages = Number(pooled?.memory.initialPages ?? 0);
  const prepared = pooled && passiveDataSegments(pooled.bytes, pages);
  if (!prepared) throw new Error(`${core}: not loadable with a pooled memory (serve it once?)`);
  return { bytes: prepared.bytes, pages };
}

function measure(name: string, bytes: Uint8Array, memory: WebAssembly.Memory, n: number): void {
  const module = new WebAssembly.Module(bytes);
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function" && i.kind !== "memory") throw new Error(`import of a ${i.kind}`);
    (imports[i.module] ??= {})[i.name] = i.kind === "memory" ? memory : () => 0;
  }
  const alive: WebAssembly.Instance[] = [];
  const once = (): void => {
    alive.push(new WebAssembly.Instance(module, imports));
    if (alive.length > 20) alive.shift();
  };
  for (let i = 0; i < 20; i++) once(); // warm-up
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < n; i++) once();
  const cpu = process.cpuUsage(c0);
  const wall = ((performance.now() - t0) / n) * 1000;
  const cpuUs = (cpu.user + cpu.system) / n;
  process.stdout.write(
    `${name}: ${wall.toFixed(0)} µs wall, ${cpuUs.toFixed(0)} µs CPU per instance\n`,
  );
}

const n = Number(process.argv[2] ?? 200);
const { bytes, pages } = mainModule();
const memory = new WebAssembly.Memory({ initial: pages, maximum: 65_536 });
measure("as rusm loads it", bytes, memory, n);
measure("without its element section", withoutSection(bytes, ELEMENT_SECTION), memory, n);
