import { describe, expect, it } from "vitest";
import { binaryKind, capMemories } from "./wasm-binary.ts";

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
