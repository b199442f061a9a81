import { describe, expect, it } from "vitest";
import { POOLED_MEMORY_IMPORT, binaryKind, capMemories, importMemory } from "./wasm-binary.ts";

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
