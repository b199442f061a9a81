/**
 * Moving WIT values through a real `WebAssembly.Memory`: store → load round trips and lifting
 * from flat core values for every type kind, the exact bytes of a few layouts, the traps
 * (out-of-bounds pointers, bad discriminants), copies of lists, and memory growth during a
 * store (the allocator may grow the memory under the writer).
 */
import { describe, expect, it } from "vitest";
import { GuestTrap } from "../wasi/errors.ts";
import { HandleTable } from "./handles.ts";
import { errorCode } from "./interfaces/http.ts";
import {
  bool,
  borrow,
  enumOf,
  f64,
  flags,
  list,
  option,
  own,
  record,
  resource,
  result,
  s32,
  string,
  tuple,
  u16,
  u32,
  u64,
  u8,
  variant,
  type WitType,
} from "./types.ts";
import { liftFlat, load, lowerFlat, store, type AbiContext } from "./values.ts";

const PAGE = 65536;
const s8: WitType = { k: "s8" };
const s16: WitType = { k: "s16" };
const s64: WitType = { k: "s64" };
const f32: WitType = { k: "f32" };
const char: WitType = { k: "char" };

const thingRes = resource("test:x/y#thing");
const otherRes = resource("test:x/y#other");

interface TestContext extends AbiContext {
  /** Every realloc call: [old, oldSize, align, size] → ptr. */
  readonly allocations: Array<{ align: number; size: number; ptr: number }>;
}

/**
 * A context over a fresh memory of `pages`, with a bump allocator from 0x1000 as `cabi_realloc`
 * that grows the memory when it runs out (like the WAT prelude's).
 */
function context(pages = 1, grow = false): TestContext {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 64 });
  let heap = 0x1000;
  const allocations: TestContext["allocations"] = [];
  return {
    memory,
    handles: new HandleTable(),
    allocations,
    realloc(_old, _oldSize, align, size) {
      if (grow) heap = memory.buffer.byteLength; // every allocation in a new page
      const ptr = Math.ceil(heap / align) * align;
      heap = ptr + size;
      if (heap > memory.buffer.byteLength) {
        memory.grow(Math.ceil((heap - memory.buffer.byteLength) / PAGE));
      }
      allocations.push({ align, size, ptr });
      return ptr;
    },
  };
}

const bytesAt = (cx: AbiContext, ptr: number, n: number): number[] => [
  ...new Uint8Array(cx.memory.buffer, ptr, n),
];
const dv = (cx: AbiContext): DataView => new DataView(cx.memory.buffer);

/** Writes `text` as UTF-8 at `ptr`; returns its length. */
function writeText(cx: AbiContext, ptr: number, text: string): number {
  const bytes = new TextEncoder().encode(text);
  new Uint8Array(cx.memory.buffer).set(bytes, ptr);
  return bytes.length;
}

const datetime = record({ seconds: u64, nanoseconds: u32 });
const streamError = variant({ "last-operation-failed": own(thingRes), closed: null });
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `f${i}`);
const flags9 = flags(...names(9));
const flags33 = flags(...names(33));
const allFlags = (n: number, on: number[]): Record<string, boolean> =>
  Object.fromEntries(names(n).map((name, i) => [name, on.includes(i)]));

describe("store → load round trips", () => {
  const cases: Array<[string, WitType, unknown]> = [
    ["bool true", bool, true],
    ["bool false", bool, false],
    ["u8", u8, 255],
    ["s8", s8, -128],
    ["u16", u16, 65535],
    ["s16", s16, -32768],
    ["u32", u32, 0xffffffff],
    ["s32", s32, -0x80000000],
    ["char (2-byte UTF-8)", char, "€"],
    ["char (astral)", char, "😀"],
    ["u64", u64, 2n ** 64n - 1n],
    ["s64", s64, -(2n ** 63n)],
    ["f32", f32, 1.5],
    ["f64", f64, Math.PI],
    ["string", string, "héllo wörld 😀"],
    ["empty string", string, ""],
    ["list<u8>", list(u8), new Uint8Array([0, 1, 254, 255])],
    ["empty list<u8>", list(u8), new Uint8Array(0)],
    ["list<string>", list(string), ["a", "", "bcd"]],
    ["list<u64>", list(u64), [1n, 2n ** 63n]],
    [
      "list<tuple<string, list<u8>>> (header entries)",
      list(tuple(string, list(u8))),
      [
        ["content-type", new Uint8Array([116, 47, 112])],
        ["x-empty", new Uint8Array(0)],
      ],
    ],
    ["empty list<string>", list(string), []],
    ["option<u64> none", option(u64), undefined],
    ["option<u64> some", option(u64), 7n],
    ["option<string> some", option(string), "x"],
    ["option<option<u8>> none", option(option(u8)), undefined],
    ["result<u64, string> ok", result(u64, string), { tag: "ok", val: 42n }],
    ["result<u64, string> err", result(u64, string), { tag: "err", val: "bad" }],
    ["result (no payloads) err", result(null, null), { tag: "err", val: undefined }],
    ["tuple<u8, u16, u8>", tuple(u8, u16, u8), [1, 2, 3]],
    ["record datetime", datetime, { seconds: 1_700_000_000n, nanoseconds: 999_999_999 }],
    [
      "record with camelCased fields",
      record({ "field-name": option(string), "field-size": option(u32) }),
      { fieldName: "x-long", fieldSize: 8192 },
    ],
    ["variant case with a u64", variant({ a: u64, b: string, c: null }), { tag: "a", val: 5n }],
    ["variant case with a string", variant({ a: u64, b: string, c: null }), { tag: "b", val: "s" }],
    ["variant case without payload", variant({ a: u64, b: string, c: null }), { tag: "c" }],
    ["enum", enumOf("get", "head", "post"), "post"],
    ["9 flags", flags9, allFlags(9, [0, 8])],
    ["33 flags", flags33, allFlags(33, [1, 31, 32])],
    ["no flags set", flags9, allFlags(9, [])],
    [
      "error-code DNS-error",
      errorCode,
      { tag: "DNS-error", val: { rcode: "SERVFAIL", infoCode: 53 } },
    ],
    ["error-code HTTP-request-body-size", errorCode, { tag: "HTTP-request-body-size", val: 99n }],
    ["error-code internal-error(none)", errorCode, { tag: "internal-error", val: undefined }],
    ["error-code connection-refused", errorCode, { tag: "connection-refused" }],
  ];

  it.each(cases)("%s", (_, t, value) => {
    const cx = context();
    store(cx, t, value, 64);
    expect(load(cx, t, 64)).toEqual(value);
  });

  it("a stored option<u64> has its tag at +0 and the u64 at +8, little-endian", () => {
    const cx = context();
    store(cx, option(u64), 0x0102030405060708n, 64);
    expect(bytesAt(cx, 64, 16)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("a stored string is (ptr, len) pointing at its UTF-8 bytes, from realloc(0, 0, 1, len)", () => {
    const cx = context();
    store(cx, string, "é!", 64);
    const ptr = dv(cx).getUint32(64, true);
    expect(dv(cx).getUint32(68, true)).toBe(3);
    expect(bytesAt(cx, ptr, 3)).toEqual([0xc3, 0xa9, 0x21]);
    expect(cx.allocations).toEqual([{ align: 1, size: 3, ptr }]);
  });

  it("a stored list<u64> is allocated with the element alignment (8)", () => {
    const cx = context();
    store(cx, list(u64), [1n, 2n, 3n], 64);
    expect(cx.allocations).toEqual([{ align: 8, size: 24, ptr: 0x1000 }]);
    expect(dv(cx).getBigUint64(0x1000 + 16, true)).toBe(3n);
  });

  it("an empty list or string is not allocated", () => {
    const cx = context();
    store(cx, list(string), [], 64);
    store(cx, string, "", 72);
    expect(cx.allocations).toEqual([]);
    expect(dv(cx).getUint32(68, true)).toBe(0);
    expect(dv(cx).getUint32(76, true)).toBe(0);
  });

  it("9 flags take two bytes: the 9th is bit 0 of the second byte", () => {
    const cx = context();
    store(cx, flags9, allFlags(9, [0, 8]), 64);
    expect(bytesAt(cx, 64, 3)).toEqual([1, 1, 0]);
  });

  it("33 flags take two little-endian u32 words", () => {
    const cx = context();
    store(cx, flags33, allFlags(33, [31, 32]), 64);
    expect(dv(cx).getUint32(64, true)).toBe(0x80000000);
    expect(dv(cx).getUint32(68, true)).toBe(1);
  });

  it("result<_, stream-error> err(closed): tag 1 at +0, closed (1) at +4", () => {
    const cx = context();
    store(cx, result(null, streamError), { tag: "err", val: { tag: "closed" } }, 64);
    expect(bytesAt(cx, 64, 5)).toEqual([1, 0, 0, 0, 1]);
  });

  it("an own stored is a new handle in the table; loading it takes it out", () => {
    const cx = context();
    const thing = { name: "thing" };
    store(cx, own(thingRes), thing, 64);
    const handle = dv(cx).getInt32(64, true);
    expect(handle).toBeGreaterThan(0);
    expect(cx.handles.get(thingRes, handle)).toBe(thing);
    expect(load(cx, own(thingRes), 64)).toBe(thing);
    expect(() => cx.handles.get(thingRes, handle)).toThrow(GuestTrap);
  });

  it("a borrow loads the object and leaves the handle in place; it cannot be stored", () => {
    const cx = context();
    const thing = {};
    const handle = cx.handles.insert(thingRes, thing);
    dv(cx).setInt32(64, handle, true);
    expect(load(cx, borrow(thingRes), 64)).toBe(thing);
    expect(load(cx, borrow(thingRes), 64)).toBe(thing);
    expect(() => store(cx, borrow(thingRes), thing, 64)).toThrow(TypeError);
  });

  it("a handle of another resource type traps when loaded", () => {
    const cx = context();
    dv(cx).setInt32(64, cx.handles.insert(otherRes, {}), true);
    expect(() => load(cx, own(thingRes), 64)).toThrow(GuestTrap);
  });

  it("an invalid enum value or variant tag is refused on store", () => {
    const cx = context();
    expect(() => store(cx, enumOf("a", "b"), "c", 64)).toThrow(/invalid enum value c/);
    expect(() => store(cx, variant({ a: null }), { tag: "z" }, 64)).toThrow(/invalid variant tag/);
  });
});

describe("memory growth and several memories", () => {
  it("a store whose realloc grows the memory (detaching its buffer) still lands", () => {
    const cx = context(1, true);
    const value = [
      ["one", new Uint8Array([1])],
      ["two", new Uint8Array([2, 2])],
    ];
    store(cx, list(tuple(string, list(u8))), value, 64);
    expect(cx.memory.buffer.byteLength).toBeGreaterThan(PAGE);
    expect(load(cx, list(tuple(string, list(u8))), 64)).toEqual(value);
  });

  it("values go to the memory of their own context, interleaved", () => {
    const a = context();
    const b = context();
    store(a, u32, 1, 64);
    store(b, u32, 2, 64);
    store(a, u64, 3n, 72);
    store(b, u64, 4n, 72);
    expect([load(a, u32, 64), load(b, u32, 64), load(a, u64, 72), load(b, u64, 72)]).toEqual([
      1,
      2,
      3n,
      4n,
    ]);
  });
});

describe("liftFlat", () => {
  it.each([
    ["bool (any non-zero is true)", bool, [2], true],
    ["bool false", bool, [0], false],
    ["u8 keeps the low 8 bits", u8, [0x1ff], 0xff],
    ["s8 sign-extends", s8, [0xff], -1],
    ["u16", u16, [0x1ffff], 0xffff],
    ["s16", s16, [0xfffe], -2],
    ["u32 from a negative i32", u32, [-1], 0xffffffff],
    ["s32", s32, [-7], -7],
    ["char", char, [0x1f600], "😀"],
    ["u64 from a negative i64", u64, [-1n], 2n ** 64n - 1n],
    ["s64", s64, [-5n], -5n],
    ["f32", f32, [1.5], 1.5],
    ["f64", f64, [Math.E], Math.E],
    ["enum", enumOf("a", "b", "c"), [2], "c"],
    ["option<u64> none", option(u64), [0, 0n], undefined],
    ["option<u64> some", option(u64), [1, 7n], 7n],
    ["record datetime", datetime, [10n, 5], { seconds: 10n, nanoseconds: 5 }],
    ["result (no payloads) ok", result(null, null), [0], { tag: "ok", val: undefined }],
    ["9 flags", flags9, [0b1_0000_0001], allFlags(9, [0, 8])],
    ["33 flags", flags33, [(1 << 31) | 1, 1], allFlags(33, [0, 31, 32])],
  ] as const)("%s", (_, t, flat, want) => {
    expect(liftFlat(context(), t, flat, 0)).toEqual(want);
  });

  it("lifts from an offset, and a tuple walks its members' flat widths", () => {
    const cx = context();
    const len = writeText(cx, 0x2000, "hi");
    const t = tuple(u8, string, u64);
    expect(liftFlat(cx, t, [99, 300, 0x2000, len, 5n], 1)).toEqual([44, "hi", 5n]);
  });

  it("a string and a list<u32> are read from memory", () => {
    const cx = context();
    const len = writeText(cx, 0x2000, "wörld");
    expect(liftFlat(cx, string, [0x2000, len], 0)).toBe("wörld");
    dv(cx).setUint32(0x3000, 7, true);
    dv(cx).setUint32(0x3004, 0xffffffff, true);
    expect(liftFlat(cx, list(u32), [0x3000, 2], 0)).toEqual([7, 0xffffffff]);
  });

  it("own takes the handle out of the table, borrow leaves it", () => {
    const cx = context();
    const thing = {};
    const h = cx.handles.insert(thingRes, thing);
    expect(liftFlat(cx, borrow(thingRes), [h], 0)).toBe(thing);
    expect(liftFlat(cx, own(thingRes), [h], 0)).toBe(thing);
    expect(() => liftFlat(cx, borrow(thingRes), [h], 0)).toThrow(GuestTrap);
  });

  describe("variant joins", () => {
    const joined = variant({ big: u64, small: u32 });

    it("an i32 case carried in a joined i64 slot is wrapped back to i32", () => {
      expect(liftFlat(context(), joined, [1, 0xffffffffn], 0)).toEqual({
        tag: "small",
        val: 0xffffffff,
      });
      expect(liftFlat(context(), joined, [1, 0x1_0000_0007n], 0)).toEqual({ tag: "small", val: 7 });
    });

    it("the i64 case reads the whole slot", () => {
      expect(liftFlat(context(), joined, [0, -1n], 0)).toEqual({ tag: "big", val: 2n ** 64n - 1n });
    });

    it("a case longer than the joined slot's first value uses the following slots", () => {
      const t = variant({ a: u64, b: tuple(u32, u32) });
      expect(liftFlat(context(), t, [1, 7n, 9], 0)).toEqual({ tag: "b", val: [7, 9] });
    });

    it("error-code DNS-error: its string pointer comes in the i64 slot", () => {
      const cx = context();
      const len = writeText(cx, 0x2000, "NXDOMAIN");
      // error-code flattens to [i32, i32, i64, i32, i32, i32, i32]; DNS-error's own flattening
      // is rcode (tag, ptr, len) and info-code (tag, value).
      const flat = [1, 1, 0x2000n, len, 1, 3, 0];
      expect(liftFlat(cx, errorCode, flat, 0)).toEqual({
        tag: "DNS-error",
        val: { rcode: "NXDOMAIN", infoCode: 3 },
      });
    });

    it("result<own<thing>, error-code> (response-outparam.set): both cases from one slot set", () => {
      const cx = context();
      const thing = {};
      const h = cx.handles.insert(thingRes, thing);
      const t = result(own(thingRes), errorCode);
      expect(liftFlat(cx, t, [0, h, 0, 0n, 0, 0, 0, 0], 0)).toEqual({ tag: "ok", val: thing });
      expect(liftFlat(cx, t, [1, 17, 1, 1234n, 0, 0, 0, 0], 0)).toEqual({
        tag: "err",
        val: { tag: "HTTP-request-body-size", val: 1234n },
      });
    });
  });
});

describe("traps", () => {
  it("loads and stores past the end of memory trap; the last byte is still readable", () => {
    const cx = context();
    expect(load(cx, u8, PAGE - 1)).toBe(0);
    expect(() => load(cx, u8, PAGE)).toThrow(GuestTrap);
    expect(() => load(cx, u32, PAGE - 2)).toThrow(GuestTrap);
    expect(() => load(cx, u8, -1)).toThrow(GuestTrap);
    expect(() => store(cx, u64, 1n, PAGE - 4)).toThrow(GuestTrap);
    expect(bytesAt(cx, PAGE - 4, 4)).toEqual([0, 0, 0, 0]);
  });

  it("a string or list whose bytes run past the end traps", () => {
    const cx = context();
    expect(() => liftFlat(cx, string, [PAGE - 4, 5], 0)).toThrow(GuestTrap);
    expect(() => liftFlat(cx, list(u8), [PAGE - 4, 5], 0)).toThrow(GuestTrap);
    // A huge length is refused before anything is read or allocated.
    expect(() => liftFlat(cx, list(u32), [16, 0x40000000], 0)).toThrow(GuestTrap);
    expect(() => liftFlat(cx, string, [-1, 1], 0)).toThrow(GuestTrap);
    dv(cx).setUint32(64, PAGE - 1, true);
    dv(cx).setUint32(68, 2, true);
    expect(() => load(cx, string, 64)).toThrow(GuestTrap);
  });

  it("a realloc that returns an out-of-bounds pointer traps the store", () => {
    const cx: AbiContext = { ...context(), realloc: () => PAGE - 1 };
    expect(() => store(cx, string, "ab", 64)).toThrow(GuestTrap);
    expect(() => store(cx, list(u32), [1], 64)).toThrow(GuestTrap);
  });

  it("bad discriminants in memory trap", () => {
    const cx = context();
    new Uint8Array(cx.memory.buffer)[64] = 2;
    expect(() => load(cx, option(u8), 64)).toThrow(GuestTrap);
    expect(() => load(cx, result(null, null), 64)).toThrow(GuestTrap);
    expect(() => load(cx, enumOf("a", "b"), 64)).toThrow(GuestTrap);
    expect(load(cx, enumOf("a", "b", "c"), 64)).toBe("c");
    new Uint8Array(cx.memory.buffer)[64] = 39;
    expect(() => load(cx, errorCode, 64)).toThrow(/invalid discriminant 39/);
    // A 257-case enum reads a u16 discriminant: 256 is valid, 257 is not.
    const big = enumOf(...names(257));
    dv(cx).setUint16(64, 256, true);
    expect(load(cx, big, 64)).toBe("f256");
    dv(cx).setUint16(64, 257, true);
    expect(() => load(cx, big, 64)).toThrow(GuestTrap);
  });

  it("bad discriminants in flat values trap", () => {
    const cx = context();
    expect(() => liftFlat(cx, option(u64), [2, 0n], 0)).toThrow(GuestTrap);
    expect(() => liftFlat(cx, enumOf("a"), [-1], 0)).toThrow(GuestTrap);
    expect(() => liftFlat(cx, streamError, [5, 0], 0)).toThrow(GuestTrap);
  });
});

describe("lists are copies", () => {
  it("a lifted list<u8> does not change when the guest reuses its memory", () => {
    const cx = context();
    new Uint8Array(cx.memory.buffer).set([1, 2, 3], 0x2000);
    const lifted = liftFlat(cx, list(u8), [0x2000, 3], 0) as Uint8Array;
    new Uint8Array(cx.memory.buffer).fill(9, 0x2000, 0x2003);
    expect([...lifted]).toEqual([1, 2, 3]);
    expect(lifted.buffer).not.toBe(cx.memory.buffer);
  });

  it("a loaded list<u8> (in a record) is a copy too", () => {
    const cx = context();
    const t = record({ data: list(u8) });
    store(cx, t, { data: new Uint8Array([4, 5]) }, 64);
    const loaded = load(cx, t, 64) as { data: Uint8Array };
    new Uint8Array(cx.memory.buffer).fill(0, 0x1000, 0x1002);
    expect([...loaded.data]).toEqual([4, 5]);
  });

  it("the lifted copy survives memory.grow (the old buffer detaches)", () => {
    const cx = context();
    new Uint8Array(cx.memory.buffer).set([7, 8], 0x2000);
    const lifted = liftFlat(cx, list(u8), [0x2000, 2], 0) as Uint8Array;
    cx.memory.grow(1);
    expect([...lifted]).toEqual([7, 8]);
  });
});

describe("lowerFlat", () => {
  it("scalars, u64 as a signed i64, an enum as its index, an own as a new handle", () => {
    const cx = context();
    expect(lowerFlat(cx, bool, true)).toBe(1);
    expect(lowerFlat(cx, u32, 0xffffffff)).toBe(-1);
    expect(lowerFlat(cx, u16, 65535)).toBe(65535);
    expect(lowerFlat(cx, u64, 2n ** 64n - 1n)).toBe(-1n);
    expect(lowerFlat(cx, s64, -2n)).toBe(-2n);
    expect(lowerFlat(cx, char, "😀")).toBe(0x1f600);
    expect(lowerFlat(cx, f64, 0.25)).toBe(0.25);
    expect(lowerFlat(cx, enumOf("a", "b", "c"), "b")).toBe(1);
    const thing = {};
    const h = lowerFlat(cx, own(thingRes), thing) as number;
    expect(cx.handles.get(thingRes, h)).toBe(thing);
  });

  it("refuses types that flatten to more than one value", () => {
    expect(() => lowerFlat(context(), string, "x")).toThrow(TypeError);
    expect(() => lowerFlat(context(), option(u32), 1)).toThrow(TypeError);
  });
});
