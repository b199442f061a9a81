import { parse } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";
import {
  POOLED_MEMORY_IMPORT,
  binaryKind,
  capMemories,
  importMemory,
  passiveDataSegments,
} from "./binary.ts";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A core module with a memory section (`limits` bytes) between a type and an export section. */
function moduleWith(limits: number[]): Uint8Array {
  const types = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00]; // one type: () -> ()
  const memory = [0x05, limits.length + 1, 0x01, ...limits];
  const exports = [0x07, 0x0a, 0x01, 0x06, ...Buffer.from("memory"), 0x02, 0x00];
  return Uint8Array.from([...HEADER, ...types, ...memory, ...exports]);
}

function memoryOf(bytes: Uint8Array): WebAssembly.Memory {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return instance.exports.memory as WebAssembly.Memory;
}

describe("binaryKind", () => {
  it("tells components, core modules and other files apart", () => {
    expect(binaryKind(Uint8Array.from(HEADER))).toBe("core-module");
    expect(binaryKind(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]))).toBe(
      "component",
    );
    expect(binaryKind(new TextEncoder().encode("[serve]\nlisten = 1\n"))).toBe("not-wasm");
    expect(binaryKind(Uint8Array.from([0x00, 0x61]))).toBe("not-wasm");
  });
});

describe("capMemories", () => {
  it("adds a maximum to an uncapped memory, so memory.grow past it fails", () => {
    const { bytes, memories } = capMemories(moduleWith([0x00, 0x01]), 3);
    expect(memories).toEqual([
      { initialPages: 1n, maximumPages: 3n, shared: false, memory64: false },
    ]);
    const memory = memoryOf(bytes);
    expect(memory.grow(2)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it("keeps a lower existing maximum and lowers a higher one", () => {
    expect(capMemories(moduleWith([0x01, 0x01, 0x02]), 3).memories[0]!.maximumPages).toBe(2n);
    expect(capMemories(moduleWith([0x01, 0x01, 0x80, 0x02]), 3).memories[0]!.maximumPages).toBe(3n);
  });

  it("handles a section that grows when its LEB128s get longer", () => {
    const { bytes } = capMemories(moduleWith([0x00, 0x01]), 1000);
    expect(memoryOf(bytes).grow(999)).toBe(1);
  });

  it("rejects a memory that starts above the cap", () => {
    expect(() => capMemories(moduleWith([0x00, 0x05]), 4)).toThrow(/starts at 5 pages/);
  });

  it("leaves a module without a memory section unchanged", () => {
    const plain = Uint8Array.from(HEADER);
    expect(capMemories(plain, 4)).toEqual({ bytes: plain, memories: [] });
  });
});

describe("importMemory", () => {
  /** A module with a function import, a memory, a data segment and an exported reader. */
  function probeModule(memoryLimits: number[]): Uint8Array {
    const types = [0x01, 0x09, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f];
    const imports = [0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00]; // "m" "f": func type 0
    const funcs = [0x03, 0x02, 0x01, 0x01]; // one function of type 1 (i32) -> i32
    const memory = [0x05, memoryLimits.length + 1, 0x01, ...memoryLimits];
    const exports = [0x07, 0x08, 0x01, 0x04, ...Buffer.from("load"), 0x00, 0x01];
    const code = [0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b]; // i32.load8_u
    const data = [0x0b, 0x07, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x01, 0x2a]; // byte 42 at 16
    return Uint8Array.from([
      ...HEADER,
      ...types,
      ...imports,
      ...funcs,
      ...memory,
      ...exports,
      ...code,
      ...data,
    ]);
  }

  it("turns the module's memory into a capped import; code, data and indices unchanged", () => {
    const pooled = importMemory(probeModule([0x00, 0x01]), 4);
    expect(pooled?.memory).toEqual({
      initialPages: 1n,
      maximumPages: 4n,
      shared: false,
      memory64: false,
    });
    const module = new WebAssembly.Module(pooled!.bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([
      { module: "m", name: "f", kind: "function" },
      { module: POOLED_MEMORY_IMPORT.module, name: POOLED_MEMORY_IMPORT.name, kind: "memory" },
    ]);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const instance = new WebAssembly.Instance(module, {
      m: { f: () => {} },
      rusm: { memory },
    });
    const load = instance.exports.load as (at: number) => number;
    expect(load(16)).toBe(42); // the data segment went into the host's memory
    expect(new Uint8Array(memory.buffer)[16]).toBe(42);
  });

  it("adds an import section to a module that has none", () => {
    const pooled = importMemory(moduleWith([0x00, 0x02]), 8);
    const module = new WebAssembly.Module(pooled!.bytes);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 8 });
    const instance = new WebAssembly.Instance(module, { rusm: { memory } });
    expect(instance.exports.memory).toBe(memory);
  });

  it("leaves alone modules without a memory, and refuses a memory above the cap", () => {
    expect(importMemory(Uint8Array.from(HEADER), 4)).toBeNull();
    expect(() => importMemory(moduleWith([0x00, 0x09]), 4)).toThrow(/starts at 9 pages/);
  });
});

/** The top-level sections of a module: id and whole encoding. */
function sectionsOf(module: Uint8Array): Array<{ id: number; bytes: Uint8Array }> {
  const out: Array<{ id: number; bytes: Uint8Array }> = [];
  let at = 8;
  while (at < module.length) {
    const start = at;
    const id = module[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = module[at++]!;
      size |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    at += size;
    out.push({ id, bytes: module.subarray(start, at) });
  }
  return out;
}

describe("passiveDataSegments", () => {
  /**
   * Active segments at constant offsets (one across a page boundary, two overlapping), a passive
   * one that code inits and drops by index, and a data-count section (memory.init needs it).
   */
  const WAT = `(module
    (memory (export "memory") 2 4)
    (data (i32.const 16) "hello")
    (data (i32.const 0xfffe) "edge")
    (data (i32.const 18) "XY")
    (data $p "passive")
    (data (i32.const 0x1fff0) "end of the image")
    (func (export "init") (param i32)
      (memory.init $p (local.get 0) (i32.const 0) (i32.const 7)))
    (func (export "drop") (data.drop $p)))`;

  interface Probe {
    memory: WebAssembly.Memory;
    init(at: number): void;
    drop(): void;
  }

  function instantiate(bytes: Uint8Array, memory?: WebAssembly.Memory): Probe {
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, memory ? { rusm: { memory } } : {});
    return {
      memory: memory ?? (instance.exports.memory as WebAssembly.Memory),
      init: instance.exports.init as (at: number) => void,
      drop: instance.exports.drop as () => void,
    };
  }

  const bytesOf = (memory: WebAssembly.Memory): Uint8Array => new Uint8Array(memory.buffer);

  it("captures the memory that instantiating the original module leaves", async () => {
    const original = instantiate(await parse(WAT));
    const stripped = passiveDataSegments(await parse(WAT), 2);
    expect(stripped?.image).toEqual(bytesOf(original.memory));
    expect(Buffer.from(stripped!.image.subarray(16, 21)).toString()).toBe("heXYo");
  });

  it("makes every segment passive: instantiation copies nothing, indices still work", async () => {
    const pooled = importMemory(await parse(WAT), 4)!;
    const stripped = passiveDataSegments(pooled.bytes, Number(pooled.memory.initialPages))!;
    const zeroed = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    const probe = instantiate(stripped.bytes, zeroed);
    expect(bytesOf(zeroed).every((b) => b === 0)).toBe(true);
    // memory.init $p still names the passive segment (index 3), and data.drop still drops it.
    probe.init(100);
    expect(Buffer.from(bytesOf(zeroed).subarray(100, 107)).toString()).toBe("passive");
    probe.drop();
    expect(() => probe.init(100)).toThrow(WebAssembly.RuntimeError);
  });

  it("given its image, the rewritten module runs exactly as the original", async () => {
    const original = instantiate(await parse(WAT));
    const pooled = importMemory(await parse(WAT), 4)!;
    const stripped = passiveDataSegments(pooled.bytes, 2)!;
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    bytesOf(memory).set(stripped.image);
    const probe = instantiate(stripped.bytes, memory);
    expect(bytesOf(memory)).toEqual(bytesOf(original.memory));
    original.init(0xfff0);
    probe.init(0xfff0);
    expect(bytesOf(memory)).toEqual(bytesOf(original.memory));
  });

  it("reads the memidx form (flag 0x02) of an active segment", () => {
    const memory = [0x05, 0x03, 0x01, 0x00, 0x01];
    const exports = [0x07, 0x0a, 0x01, 0x06, ...Buffer.from("memory"), 0x02, 0x00];
    const data = [0x0b, 0x09, 0x01, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x02, 0x68, 0x69]; // "hi" at 16
    const module = Uint8Array.from([...HEADER, ...memory, ...exports, ...data]);
    expect(bytesOf(memoryOf(module)).subarray(16, 18)).toEqual(Uint8Array.of(0x68, 0x69));
    const stripped = passiveDataSegments(module, 1)!;
    expect(stripped.image.subarray(16, 18)).toEqual(Uint8Array.of(0x68, 0x69));
    // Data section: one segment, flag 0x01, then the same byte vector.
    expect([...stripped.bytes.subarray(-7)]).toEqual([0x0b, 0x05, 0x01, 0x01, 0x02, 0x68, 0x69]);
    expect(bytesOf(memoryOf(stripped.bytes)).every((b) => b === 0)).toBe(true);
  });

  it("reads i64.const offsets (memory64)", async () => {
    const module = await parse(
      `(module (memory (export "memory") i64 1) (data (i64.const 32) "m64"))`,
    );
    const stripped = passiveDataSegments(module, 1)!;
    expect(stripped.image).toEqual(bytesOf(memoryOf(module)));
    expect(bytesOf(memoryOf(stripped.bytes)).every((b) => b === 0)).toBe(true);
  });

  it("leaves alone a module with a global.get offset", async () => {
    const module = await parse(`(module
      (import "env" "base" (global $base i32))
      (memory 1)
      (data (i32.const 0) "fixed")
      (data (global.get $base) "relocated"))`);
    expect(passiveDataSegments(module, 1)).toBeNull();
  });

  it("leaves alone a segment outside the initial memory (instantiation fails as before)", async () => {
    const over = await parse(`(module (memory 1 2) (data (i32.const 65535) "ab"))`);
    expect(passiveDataSegments(over, 1)).toBeNull();
    // i32.const -1 is address 0xffffffff, not the last byte.
    const negative = await parse(`(module (memory 1) (data (i32.const -1) "a"))`);
    expect(passiveDataSegments(negative, 1)).toBeNull();
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(negative))).toThrow(
      WebAssembly.RuntimeError,
    );
  });

  it("gives a module without data segments back unchanged, with a zero image", () => {
    const module = moduleWith([0x00, 0x01]);
    const result = passiveDataSegments(module, 1);
    expect(result?.bytes).toBe(module);
    expect(result?.image.length).toBe(65536);
    expect(result?.image.every((b) => b === 0)).toBe(true);
  });

  it("offers the module without any segment when all were active, and none when one was passive", async () => {
    expect(passiveDataSegments(await parse(WAT), 2)!.withoutSegments).toBeNull();
    const active = `(module
      (memory (export "memory") 1)
      (data (i32.const 16) "hello") (data (i32.const 40) "world")
      (func (export "read") (result i32) (i32.load8_u (i32.const 40))))`;
    const pooled = importMemory(await parse(active), 2)!;
    const initial = passiveDataSegments(pooled.bytes, 1)!;
    const bare = initial.withoutSegments!();
    expect(sectionsOf(bare).map((s) => s.id)).not.toContain(11);
    expect(WebAssembly.validate(bare)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    bytesOf(memory).set(initial.image);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bare), { rusm: { memory } });
    expect((instance.exports.read as () => number)()).toBe("w".charCodeAt(0));
    expect(Buffer.from(bytesOf(memory).subarray(16, 21)).toString()).toBe("hello");
  });

  it("without its segments, a module that names one by index no longer validates", async () => {
    // data.drop of an active segment is valid (and a no-op); with no segments it is not.
    const names = await parse(`(module
      (memory 1) (data $a (i32.const 0) "x") (func (data.drop $a)))`);
    const bare = passiveDataSegments(names, 1)!.withoutSegments!();
    expect(WebAssembly.validate(names)).toBe(true);
    expect(WebAssembly.validate(bare)).toBe(false);
  });

  it("copies every other section byte for byte", async () => {
    const module = await parse(WAT);
    const before = sectionsOf(module);
    const after = sectionsOf(passiveDataSegments(module, 2)!.bytes);
    expect(after.map((s) => s.id)).toEqual(before.map((s) => s.id));
    for (const [i, s] of after.entries()) {
      if (s.id === 11) expect(s.bytes).not.toEqual(before[i]!.bytes);
      else expect(s.bytes).toEqual(before[i]!.bytes);
    }
  });
});
