import { describe, expect, it } from "vitest";
import { Reader, leb, sleb, sleb32 } from "./bytes.ts";

/** Reads one signed LEB128 back with the module reader. */
const readSigned = (bytes: number[]): bigint => new Reader(Uint8Array.from(bytes), 0).sleb();

describe("sleb", () => {
  it("encodes the spec's examples and the one-byte edges", () => {
    expect(sleb(0)).toEqual([0x00]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it("reads back as written, across signs and widths", () => {
    const values = [0, 1, -1, 127, 128, -128, -129, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, -(2 ** 40)];
    for (const v of values) {
      expect(readSigned(sleb(v))).toBe(BigInt(v));
    }
  });

  it("agrees with leb on non-negative values below the sign bit", () => {
    for (const v of [0, 5, 63]) expect(sleb(v)).toEqual(leb(v));
  });
});

describe("sleb32", () => {
  it("wraps to an i32, as i32.const takes an address", () => {
    expect(sleb32(0x1000)).toEqual(sleb(0x1000));
    expect(sleb32(2 ** 31)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(readSigned(sleb32(2 ** 31))).toBe(-(2n ** 31n));
    expect(sleb32(2 ** 32 - 1)).toEqual([0x7f]);
  });

  it("is what a wasm engine accepts as an i32.const operand", () => {
    // (module (global i32 (i32.const <v>)))
    const module = (v: number): Uint8Array =>
      Uint8Array.from([
        ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
        ...[0x06, 0, 0x01, 0x7f, 0x00, 0x41, ...sleb32(v), 0x0b],
      ]).map((b, i, a) => (i === 9 ? a.length - 10 : b));
    for (const v of [0, 64, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]) {
      expect(WebAssembly.validate(module(v))).toBe(true);
    }
  });
});
