/**
 * @module scripts/bench/ts-live/anatomy
 * What one parked TypeScript live tail holds, measured in-process (run by bench.ts as its own
 * process, or alone):
 *
 *     node --expose-gc scripts/bench/ts-live/anatomy.ts [N] [--reused | --cow]
 *
 * Loads `ts-live` with rusm's own loader (host/component/load.ts), serves one warm-up request
 * (V8 compiles the guest's first functions), then parks N real rusm processes on `live#news`
 * (`broker.subscribe` + `sse.run`) over an in-memory exchange, one after another, each until it
 * waits on its mailbox. Each gets a new memory; with `--reused`, N processes are parked and
 * their clients leave first (each ends `disconnected`, its memory restored into a pool of N),
 * so that the N measured get used memories, as they do on a server that served before. With
 * the N parked it reads:
 *
 * - the process's RSS and V8's heap before and after, per parked process;
 * - every 4 KiB page of every parked process's linear memory: whether the OS holds it
 *   (`/proc/self/pagemap`, read before anything reads the pages), and what it holds
 *   (`/proc/self/mem`) against the module's initial image: an image page still as the image, a
 *   zero page made resident but still zero, or a page the request changed; a changed page is put
 *   in the region it lies in: the wasm stack (below the initial `__stack_pointer`), a
 *   SpiderMonkey GC chunk (1 MiB aligned, found by its header: the nursery's names a store
 *   buffer, a tenured chunk's does not), or the rest (static data and malloc's heap);
 * - a heap snapshot: V8's objects of the main core module's instance (its function table's
 *   dispatch table and placeholders, the per-function arrays), per parked process.
 *
 * `--cow` is a probe of what rusm cannot do in Node today: each new memory gets the image mapped
 * copy-on-write from one in-memory file (cow/cow.c, a Node-API addon built here with `cc`), as
 * wasmtime does, instead of written; the image pages a process only reads are then shared by
 * all. VmRSS counts a shared page once per mapping, so the Pss figures (smaps: a page's size
 * divided among its mappings) are the ones that say what the processes cost together.
 *
 * A linear memory is found by its mapping: V8 maps a memory's accessible part as one VMA of
 * exactly its byte length; the N parked memories are then the only ones of that size (the pool
 * is empty). Prints one JSON object ({@link Anatomy}) on stdout.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import { cacheKey, defaultCacheDir } from "../../../host/component/cache.ts";
import { loadComponent, type LoadedComponent } from "../../../host/component/load.ts";
import { TRANSPILE_OPTIONS, TRANSPILER } from "../../../host/component/transpile.ts";
import { importMemory, passiveDataSegments } from "../../../host/wasm/binary.ts";
import { MemoryImage } from "../../../host/component/memory-image.ts";
import { locateMemory } from "../../../host/component/resident-pages.ts";
import { Process } from "../../../host/process/process.ts";
import { ProcessRegistry } from "../../../host/lifecycle/registry.ts";
import { createLogger } from "../../../host/log/index.ts";
import { createMetrics } from "../../../host/metrics/index.ts";
import { Broker } from "../../../host/services/broker/index.ts";
import { guestPath } from "../lib/paths.ts";
import { ParkedExchange } from "./exchange.ts";

const OS_PAGE = 4096;
const MIB = 1 << 20;

/** Page counts, per parked process (averaged over the N). */
export interface PageClasses {
  /** Pages of the initial memory. */
  total: number;
  /** Non-zero pages of the initial image (what a process's memory must hold). */
  imageNonZero: number;
  /** Resident, holding the image's non-zero bytes as they were. */
  imageUnchanged: number;
  /** Resident, zero in the image and still zero: made resident by a write of zeros. */
  zeroResident: number;
  /** Resident, changed by the request (the process's own writes), by region. */
  written: { stack: number; nursery: number; tenured: number; other: number };
  /** Not resident (never touched: zero for free). */
  notResident: number;
}

export interface Anatomy {
  n: number;
  /** Whether the N got memories used (and restored) before, or new ones. */
  reused: boolean;
  /** Whether each memory got the image mapped copy-on-write (the `--cow` probe). */
  cow: boolean;
  /** VmRSS growth per parked process, KiB. */
  rssKiB: number;
  /** Pss growth per parked process (smaps_rollup), KiB: shared pages divided among mappings. */
  pssKiB: number;
  /** V8 heap (used, after a full GC) per parked process, KiB. */
  heapKiB: number;
  /** Wall time from starting a process to its parking (instantiate, restore, run), median ms. */
  parkMs: number;
  /** The main thread's CPU time per parked process (user + system), µs. */
  cpuUsPerPark: number;
  /** Of it, the main core module's instance (its V8 objects), KiB. */
  instanceKiB: Record<string, number>;
  /** The linear memory: bytes, RSS of its mappings per process (smaps), page classes. */
  memoryBytes: number;
  memoryRssKiB: number;
  memoryPssKiB: number;
  pages: PageClasses;
  /** The image: non-zero bytes, and where the wasm stack ends. */
  imageNonZeroBytes: number;
  stackTop: number;
}

function vmRssKiB(): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m?.[1] ?? NaN);
}

function pssKiB(): number {
  const m = /^Pss:\s+(\d+)/m.exec(readFileSync("/proc/self/smaps_rollup", "utf8"));
  return Number(m?.[1] ?? NaN);
}

interface CowAddon {
  image(bytes: Uint8Array): number;
  map(address: number, length: number, fd: number): void;
}

/**
 * The `--cow` probe: builds cow/cow.c and makes every new memory of `image`'s size get the
 * image mapped copy-on-write (MemoryImage's fill replaced) instead of written.
 */
function mapImagesCopyOnWrite(image: Uint8Array): void {
  const out = join(tmpdir(), `rusm-cow-${process.pid}.node`);
  const source = new URL("cow/cow.c", import.meta.url).pathname;
  const include = join(process.execPath, "..", "..", "include", "node");
  execFileSync("cc", [
    "-O2",
    "-shared",
    "-fPIC",
    `-I${include}`,
    "-I/usr/include/node",
    source,
    "-o",
    out,
  ]);
  const addon = createRequire(import.meta.url)(out) as CowAddon;
  rmSync(out, { force: true });
  const fd = addon.image(image);
  MemoryImage.prototype.fill = function (memory: WebAssembly.Memory): void {
    const at = locateMemory(memory);
    if (at === null) throw new Error("--cow: the new memory's mapping was not found");
    addon.map(at, image.length, fd);
  };
}

/** The main core module's initial image, as load.ts computes it. */
function initialImage(wasm: string): { image: Uint8Array; stackTop: number } {
  const key = cacheKey(new Uint8Array(readFileSync(wasm)), TRANSPILER, TRANSPILE_OPTIONS);
  const core = join(defaultCacheDir(), "transpiled", key, "component.core.wasm");
  const raw = new Uint8Array(readFileSync(core));
  const pooled = importMemory(raw, 65_536);
  const initial = pooled && passiveDataSegments(pooled.bytes, Number(pooled.memory.initialPages));
  if (!initial) throw new Error(`${core}: no pooled memory image`);
  return { image: initial.image, stackTop: firstGlobalI32(raw) };
}

/** The `i32.const` initialiser of global 0 (wasm-ld's `__stack_pointer`). */
function firstGlobalI32(module: Uint8Array): number {
  let o = 8;
  const leb = (): number => {
    let r = 0;
    let s = 0;
    for (;;) {
      const b = module[o++]!;
      r += (b & 0x7f) * 2 ** s;
      s += 7;
      if ((b & 0x80) === 0) return r;
    }
  };
  while (o < module.length) {
    const id = module[o++]!;
    const size = leb();
    const end = o + size;
    if (id === 6 && leb() > 0) {
      o += 2; // value type, mutability
      if (module[o++] !== 0x41) break; // not i32.const
      let r = 0;
      let s = 0;
      let b: number;
      do {
        b = module[o++]!;
        r |= (b & 0x7f) << s;
        s += 7;
      } while (b & 0x80);
      return r;
    }
    o = end;
  }
  throw new Error("the main module has no i32 global 0 (__stack_pointer)");
}

/** Start addresses of the mappings of exactly `bytes` bytes, and their summed Rss (KiB). */
function mappingsOfSize(bytes: number): { starts: number[]; rssKiB: number; pssKiB: number } {
  const starts: number[] = [];
  let rssKiB = 0;
  let pssKiB = 0;
  for (const block of readFileSync("/proc/self/smaps", "utf8").split(/\n(?=[0-9a-f]+-)/)) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(block);
    if (m === null) continue;
    const [from, to] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
    if (to - from !== bytes) continue;
    starts.push(from);
    rssKiB += Number(/^Rss:\s+(\d+)/m.exec(block)?.[1] ?? 0);
    pssKiB += Number(/^Pss:\s+(\d+)/m.exec(block)?.[1] ?? 0);
  }
  return { starts, rssKiB, pssKiB };
}

/**
 * SpiderMonkey GC chunks in `view` (1 MiB aligned): a chunk header starts with the store buffer
 * (non-null only for the nursery) and the runtime, the same pointer in every chunk.
 */
function gcChunks(view: Uint8Array): Map<number, "nursery" | "tenured"> {
  const dv = new DataView(view.buffer, view.byteOffset, view.byteLength);
  const runtimes = new Map<number, number>();
  for (let at = MIB; at + 8 <= view.length; at += MIB) {
    const runtime = dv.getUint32(at + 4, true);
    if (runtime !== 0) runtimes.set(runtime, (runtimes.get(runtime) ?? 0) + 1);
  }
  const [runtime] = [...runtimes].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  const chunks = new Map<number, "nursery" | "tenured">();
  if (runtime === 0 || (runtimes.get(runtime) ?? 0) < 2) return chunks;
  for (let at = MIB; at + 8 <= view.length; at += MIB) {
    if (dv.getUint32(at + 4, true) !== runtime) continue;
    chunks.set(at, dv.getUint32(at, true) === 0 ? "tenured" : "nursery");
  }
  return chunks;
}

function isZero(view: Uint8Array, at: number): boolean {
  for (let i = at; i < at + OS_PAGE; i++) if (view[i] !== 0) return false;
  return true;
}

function samePage(a: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + OS_PAGE; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Classifies every page of every mapping in `starts` (each holds one parked memory). */
function classify(starts: number[], image: Uint8Array, stackTop: number): PageClasses {
  const pages = image.length / OS_PAGE;
  const sum: PageClasses = {
    total: pages,
    imageNonZero: 0,
    imageUnchanged: 0,
    zeroResident: 0,
    written: { stack: 0, nursery: 0, tenured: 0, other: 0 },
    notResident: 0,
  };
  const imageZero = Array.from({ length: pages }, (_, p) => isZero(image, p * OS_PAGE));
  sum.imageNonZero = imageZero.filter((z) => !z).length * starts.length;
  const pagemap = openSync("/proc/self/pagemap", "r");
  const mem = openSync("/proc/self/mem", "r");
  try {
    const entries = Buffer.alloc(pages * 8);
    const content = new Uint8Array(image.length);
    for (const start of starts) {
      // The residency first: reading a page through /proc/self/mem maps it.
      readSync(pagemap, entries, 0, entries.length, (start / OS_PAGE) * 8);
      readSync(mem, content, 0, content.length, start);
      const chunks = gcChunks(content);
      for (let p = 0; p < pages; p++) {
        const at = p * OS_PAGE;
        if (entries.readBigUInt64LE(p * 8) >> 63n === 0n) sum.notResident++;
        else if (!samePage(content, image, at)) {
          const chunk = chunks.get(at - (at % MIB));
          const region = at < stackTop ? "stack" : (chunk ?? "other");
          sum.written[region]++;
        } else if (imageZero[p]) sum.zeroResident++;
        else sum.imageUnchanged++;
      }
    }
  } finally {
    closeSync(pagemap);
    closeSync(mem);
  }
  const per = (x: number): number => Math.round((x / starts.length) * 10) / 10;
  return {
    total: pages,
    imageNonZero: per(sum.imageNonZero),
    imageUnchanged: per(sum.imageUnchanged),
    zeroResident: per(sum.zeroResident),
    written: {
      stack: per(sum.written.stack),
      nursery: per(sum.written.nursery),
      tenured: per(sum.written.tenured),
      other: per(sum.written.other),
    },
    notResident: per(sum.notResident),
  };
}

/**
 * V8 objects of the main core module's instances, from a heap snapshot, KiB per instance: the
 * function table (its dispatch table, its entries, their lazy placeholders) and the arrays an
 * instance keeps per function and per data segment.
 */
function instanceObjects(n: number): Record<string, number> {
  const file = join(tmpdir(), `rusm-anatomy-${process.pid}.heapsnapshot`);
  v8.writeHeapSnapshot(file);
  try {
    return summarizeSnapshot(JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot, n);
  } finally {
    rmSync(file, { force: true });
  }
}

interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Bytes of the instance's own objects by kind, per instance (the n largest instances). */
function summarizeSnapshot(s: HeapSnapshot, n: number): Record<string, number> {
  const nf = s.snapshot.meta.node_fields;
  const [ti, ni, si, ei] = ["type", "name", "self_size", "edge_count"].map((f) => nf.indexOf(f));
  const ef = s.snapshot.meta.edge_fields.length;
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const out: Record<string, number> = {};
  const add = (kind: string, bytes: number): void => {
    out[kind] = (out[kind] ?? 0) + bytes;
  };
  let e = 0;
  for (let i = 0; i < s.nodes.length; i += nf.length) {
    const name = s.strings[s.nodes[i + ni!]!]!;
    const count = s.nodes[i + ei!]!;
    if (name === "system / Tuple2") add("table placeholders (Tuple2)", s.nodes[i + si!]!);
    for (let k = 0; k < count; k++, e += ef) {
      const type = edgeTypes[s.edges[e]!];
      const to = s.edges[e + 2]!;
      const bytes = s.nodes[to + si!]!;
      if (bytes <= 4096) continue;
      // Element and hidden edges are named by an index, others by a string.
      const named = type !== "element" && type !== "hidden";
      const array = s.snapshot.meta.node_types[0][s.nodes[to + ti!]!] === "array";
      if (name === "Table" && array) add("table entries", bytes);
      else if (named && name === "system / WasmTrustedInstanceData") {
        add(s.strings[s.edges[e + 1]!]!, bytes);
      }
    }
  }
  const kib: Record<string, number> = {};
  for (const [k, v] of Object.entries(out)) kib[k] = Math.round((v / n / 1024) * 10) / 10;
  return kib;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  gc();
  await sleep(100);
  gc();
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const reused = process.argv.includes("--reused");
  const cow = process.argv.includes("--cow");
  if (reused && cow) throw new Error("--cow probes new memories only, not --reused ones");
  const pool = reused ? n : 0;
  const wasm = guestPath("ts-live");
  const { image, stackTop } = initialImage(wasm);
  if (cow) mapImagesCopyOnWrite(image);
  const loaded = await loadComponent(
    { name: "live", path: wasm, maxMemoryMb: 64, bodyBufferKb: 64, pool },
    { cacheDir: defaultCacheDir() },
  );
  const log = createLogger("error");
  const metrics = createMetrics();
  const registry = new ProcessRegistry(metrics);
  const broker = new Broker({ registry, metrics, log, mailboxSize: 256, overflow: "drop-oldest" });
  const target = { module: "live", function: "news", params: [], route: "GET /news" };
  const park = async (component: LoadedComponent): Promise<ParkedExchange> => {
    const parked = registry.parkedCount;
    const exchange = new ParkedExchange();
    void new Process(registry, component, exchange, log, target, broker).run();
    while (registry.parkedCount <= parked) await sleep(1);
    return exchange;
  };
  // The first request compiles the guest's functions it calls (V8 compiles lazily); with
  // --reused, N processes leave their memories, restored, in the pool.
  const before: ParkedExchange[] = [];
  for (let i = 0; i < (reused ? n : 1); i++) before.push(await park(loaded));
  for (const exchange of before) exchange.leave();
  while (registry.size > 0) await sleep(5);
  await collect();

  const rss0 = vmRssKiB();
  const pss0 = pssKiB();
  const heap0 = v8.getHeapStatistics().used_heap_size;
  const parkMs: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await park(loaded);
    parkMs.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpu0);
  await collect();
  const rss1 = vmRssKiB();
  const pss1 = pssKiB();
  const heap1 = v8.getHeapStatistics().used_heap_size;

  const maps = mappingsOfSize(image.length);
  if (maps.starts.length !== n) {
    throw new Error(`found ${maps.starts.length} mappings of ${image.length} bytes, not ${n}`);
  }
  const pages = classify(maps.starts, image, stackTop);
  let nonZeroBytes = 0;
  for (const b of image) if (b !== 0) nonZeroBytes++;
  const result: Anatomy = {
    n,
    reused,
    cow,
    rssKiB: Math.round((rss1 - rss0) / n),
    pssKiB: Math.round((pss1 - pss0) / n),
    heapKiB: Math.round((heap1 - heap0) / n / 1024),
    parkMs: Math.round(parkMs.sort((a, b) => a - b)[Math.floor(n / 2)]! * 100) / 100,
    cpuUsPerPark: Math.round((cpu.user + cpu.system) / n),
    instanceKiB: instanceObjects(n),
    memoryBytes: image.length,
    memoryRssKiB: Math.round(maps.rssKiB / n),
    memoryPssKiB: Math.round(maps.pssKiB / n),
    pages,
    imageNonZeroBytes: nonZeroBytes,
    stackTop,
  };
  writeFileSync(1, `${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
