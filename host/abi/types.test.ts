/**
 * Canonical ABI layout (size, alignment, flattening, payload offsets) of the WIT type
 * descriptors, checked against the rules of the Component Model's `CanonicalABI.md`
 * (`elem_size`, `alignment`, `discriminant_type`, `flatten_type`) worked by hand, and for the
 * largest type rusm lowers (wasi:http `error-code`) against the offsets jco's own glue uses.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { transpileComponent } from "../component/transpile.ts";
import { errorCode } from "./interfaces/http.ts";
import {
  bool,
  camel,
  discriminantBytes,
  enumOf,
  f64,
  flags,
  layout,
  list,
  memberOffsets,
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
  payloadOffset,
  type WitType,
} from "./types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const f32: WitType = { k: "f32" };
const char: WitType = { k: "char" };
const s8: WitType = { k: "s8" };
const s64: WitType = { k: "s64" };

const errorRes = resource("wasi:io/error#error");
/** wasi:io/streams `stream-error`: variant { last-operation-failed(own<error>), closed }. */
const streamError = variant({ "last-operation-failed": own(errorRes), closed: null });

/** A variant of `n` payload-less cases (`c0`, `c1`, ...), plus `payload` on the first case. */
function manyCases(n: number, payload: WitType | null = null): WitType {
  const cases: Record<string, WitType | null> = {};
  for (let i = 0; i < n; i++) cases[`c${i}`] = i === 0 ? payload : null;
  return variant(cases);
}

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

describe("scalar and pointer-pair layouts", () => {
  it.each([
    ["bool", bool, 1, 1, ["i32"]],
    ["u8", u8, 1, 1, ["i32"]],
    ["s8", s8, 1, 1, ["i32"]],
    ["u16", u16, 2, 2, ["i32"]],
    ["u32", u32, 4, 4, ["i32"]],
    ["s32", s32, 4, 4, ["i32"]],
    ["char", char, 4, 4, ["i32"]],
    ["f32", f32, 4, 4, ["f32"]],
    ["u64", u64, 8, 8, ["i64"]],
    ["s64", s64, 8, 8, ["i64"]],
    ["f64", f64, 8, 8, ["f64"]],
    ["own", own(errorRes), 4, 4, ["i32"]],
    // string and list: (ptr: i32, len: i32), size 8 align 4.
    ["string", string, 8, 4, ["i32", "i32"]],
    ["list<u8>", list(u8), 8, 4, ["i32", "i32"]],
    ["list<u64>", list(u64), 8, 4, ["i32", "i32"]],
  ] as const)("%s: size %i, align %i, flat %j", (_, t, size, align, flat) => {
    expect(layout(t)).toEqual({ size, align, flat });
  });
});

describe("records and tuples", () => {
  it("wall-clock datetime {seconds: u64, nanoseconds: u32}: size 16, align 8, members at 0 and 8", () => {
    // 8 bytes of u64, 4 of u32 at 8, then padded to the record's alignment (8): 16.
    const datetime = record({ seconds: u64, nanoseconds: u32 });
    expect(layout(datetime)).toEqual({ size: 16, align: 8, flat: ["i64", "i32"] });
    expect(memberOffsets(datetime)).toEqual([0, 8]);
  });

  it("tuple<u8, u16, u8>: members at 0, 2, 4; size 6, align 2", () => {
    const t = tuple(u8, u16, u8);
    expect(memberOffsets(t)).toEqual([0, 2, 4]);
    expect(layout(t)).toEqual({ size: 6, align: 2, flat: ["i32", "i32", "i32"] });
  });

  it("tuple<string, list<u8>> (a header entry): size 16, align 4, four i32s", () => {
    const t = tuple(string, list(u8));
    expect(memberOffsets(t)).toEqual([0, 8]);
    expect(layout(t)).toEqual({ size: 16, align: 4, flat: ["i32", "i32", "i32", "i32"] });
  });

  it("an empty record has size 0, align 1, no flat values", () => {
    expect(layout(record({}))).toEqual({ size: 0, align: 1, flat: [] });
  });

  it("record field names are camelCased as jco spells them", () => {
    const r = record({ "first-byte-timeout": u64, "alert-id": u8 });
    expect(r.k === "record" && r.fields.map(([n]) => n)).toEqual(["firstByteTimeout", "alertId"]);
    expect(camel("get-stdout")).toBe("getStdout");
    expect(camel("info-code")).toBe("infoCode");
  });
});

describe("variants, options, results, enums", () => {
  it("result<_, stream-error> is size 12, align 4, flat [i32, i32, i32]", () => {
    // stream-error: 2 cases, u8 discriminant; payload own<error> (size 4, align 4), so the
    // payload sits at align_to(1, 4) = 4 and the size is align_to(4 + 4, 4) = 8, align 4.
    expect(layout(streamError)).toEqual({ size: 8, align: 4, flat: ["i32", "i32"] });
    expect(payloadOffset(streamError)).toBe(4);
    // result<_, stream-error>: u8 discriminant, largest payload stream-error (8, align 4):
    // payload at align_to(1, 4) = 4, size align_to(4 + 8, 4) = 12. Flat: the discriminant,
    // then stream-error's flattening (the ok case has none): i32, i32, i32.
    const r = result(null, streamError);
    expect(layout(r)).toEqual({ size: 12, align: 4, flat: ["i32", "i32", "i32"] });
    expect(payloadOffset(r)).toBe(4);
    // The prelude's reading of it: the stream-error tag at +4, the error handle at +8.
    expect(payloadOffset(r) + payloadOffset(streamError)).toBe(8);
  });

  it("result<list<u8>, stream-error> (input-stream.read) is size 12, align 4", () => {
    expect(layout(result(list(u8), streamError))).toEqual({
      size: 12,
      align: 4,
      flat: ["i32", "i32", "i32"],
    });
  });

  it("option<u64> is size 16, align 8, flat [i32, i64], payload at 8", () => {
    const t = option(u64);
    expect(layout(t)).toEqual({ size: 16, align: 8, flat: ["i32", "i64"] });
    expect(payloadOffset(t)).toBe(8);
  });

  it("option<string> is size 12, align 4, payload at 4; option<u16> size 4, payload at 2", () => {
    expect(layout(option(string))).toEqual({ size: 12, align: 4, flat: ["i32", "i32", "i32"] });
    expect(payloadOffset(option(string))).toBe(4);
    expect(layout(option(u16))).toEqual({ size: 4, align: 2, flat: ["i32", "i32"] });
    expect(payloadOffset(option(u16))).toBe(2);
  });

  it("result (no payloads) flattens to one i32, size 1", () => {
    expect(layout(result(null, null))).toEqual({ size: 1, align: 1, flat: ["i32"] });
  });

  it("an enum of 3 cases is one byte; of 300 cases two bytes", () => {
    expect(layout(enumOf("a", "b", "c"))).toEqual({ size: 1, align: 1, flat: ["i32"] });
    const big = enumOf(...names(300));
    expect(layout(big)).toEqual({ size: 2, align: 2, flat: ["i32"] });
  });

  it("discriminants: 256 cases fit a u8, 257 need a u16, 65537 a u32", () => {
    // discriminant_type: ceil(log2(n) / 8) bytes, rounded to 1, 2 or 4.
    expect(discriminantBytes(manyCases(2))).toBe(1);
    expect(discriminantBytes(manyCases(256))).toBe(1);
    expect(discriminantBytes(manyCases(257))).toBe(2);
    expect(discriminantBytes(manyCases(65536))).toBe(2);
    expect(discriminantBytes(enumOf(...names(65537)))).toBe(4);
    expect(layout(manyCases(257))).toEqual({ size: 2, align: 2, flat: ["i32"] });
  });

  it("a 257-case variant with a u8 payload puts the payload after the u16 discriminant", () => {
    const t = manyCases(257, u8);
    expect(payloadOffset(t)).toBe(2);
    expect(layout(t)).toEqual({ size: 4, align: 2, flat: ["i32", "i32"] });
    // With 256 cases the discriminant is one byte and the u8 payload follows at 1.
    expect(payloadOffset(manyCases(256, u8))).toBe(1);
    expect(layout(manyCases(256, u8)).size).toBe(2);
  });

  it("variant flattening joins case types slot by slot", () => {
    // join(i32, i64) = i64; the longer case adds slots.
    expect(layout(variant({ a: u64, b: tuple(u32, u32) })).flat).toEqual(["i32", "i64", "i32"]);
    // join(i32, f32) = i32.
    expect(layout(variant({ a: f32, b: u32 })).flat).toEqual(["i32", "i32"]);
    // join(f32, f64) and join(f32, i64) are i64; f32 alone stays f32.
    expect(layout(variant({ a: f32, b: f64 })).flat).toEqual(["i32", "i64"]);
    expect(layout(variant({ a: f32, b: null })).flat).toEqual(["i32", "f32"]);
    expect(layout(variant({ a: f64, b: f64 })).flat).toEqual(["i32", "f64"]);
  });
});

describe("flags", () => {
  it.each([
    [1, 1, 1, 1],
    [8, 1, 1, 1],
    [9, 2, 2, 1],
    [16, 2, 2, 1],
    [17, 4, 4, 1],
    [32, 4, 4, 1],
    [33, 8, 4, 2],
  ])("%i flags: size %i, align %i, %i i32 flat values", (n, size, align, words) => {
    expect(layout(flags(...names(n)))).toEqual({
      size,
      align,
      flat: Array.from({ length: words }, () => "i32"),
    });
  });
});

describe("wasi:http error-code", () => {
  // Payloads, by the rules: DNS-error-payload {option<string> (12, a4), option<u16> (4, a2)}
  // = 16 (a4); TLS-alert-received-payload {option<u8> (2), option<string> at 4} = 16 (a4);
  // option<u64> = 16 (a8); option<u32> = 8; field-size-payload {option<string>, option<u32>}
  // = 20 (a4); option<field-size-payload> = 24 (a4); option<string> = 12. The largest
  // payload is 24 bytes, the largest alignment 8: the payload starts at align_to(1, 8) = 8
  // and the variant is align_to(8 + 24, 8) = 32 bytes.
  it("is size 32, align 8, payload at 8, u8 discriminant", () => {
    expect(layout(errorCode).size).toBe(32);
    expect(layout(errorCode).align).toBe(8);
    expect(payloadOffset(errorCode)).toBe(8);
    expect(discriminantBytes(errorCode)).toBe(1);
  });

  it("flattens to [i32, i32, i64, i32, i32, i32, i32]", () => {
    // Slot 1 holds every case's first value (i32); slot 2 joins option<u64>'s i64 with the
    // records' i32s; the longest case (option<field-size-payload>) has 6 values.
    expect(layout(errorCode).flat).toEqual(["i32", "i32", "i64", "i32", "i32", "i32", "i32"]);
  });

  it("response-outparam.set flattens to the prelude's (i32 i32 i32 i32 i64 i32 i32 i32 i32)", () => {
    // own<response-outparam>, then result<own<outgoing-response>, error-code>.
    const flat = [
      ...layout(own(resource("x"))).flat,
      ...layout(result(own(resource("y")), errorCode)).flat,
    ];
    expect(flat.join(" ")).toBe("i32 i32 i32 i32 i64 i32 i32 i32 i32");
  });

  it("has the cases of wit/deps/http's variant error-code, in order, with the same payloads", async () => {
    const wit = await readFile(join(ROOT, "wit", "deps", "http", "package.wit"), "utf8");
    const body = /variant error-code \{([^}]*)\}/.exec(wit)![1]!;
    const witCases = body
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("//"))
      .map((l) => l.replace(/,$/, ""))
      .map((l) => [l.replace(/\(.*$/, ""), l.includes("(")] as const);
    expect(witCases.length).toBe(39);
    const ours = errorCode.k === "variant" ? errorCode.cases.map(([n, p]) => [n, p !== null]) : [];
    expect(ours).toEqual(witCases);
  });

  it("agrees with jco's glue: result<_, error-code> lowering offsets (outgoing-body.finish)", async () => {
    // jco transpiles http-hello (its prelude imports outgoing-body.finish, which returns
    // result<_, error-code> through a return pointer); its glue stores the error-code at
    // fixed offsets from that pointer.
    const out = await transpileComponent(
      await readFile(join(ROOT, "build", "guests", "http-hello.wasm")),
      "component",
    );
    const glue = new TextDecoder().decode(out.files["component.js"]);
    const offsetsIn = (caseName: string): number[] => {
      const start = glue.indexOf(`case '${caseName}': {`);
      expect(start, `jco glue lowers ${caseName}`).toBeGreaterThan(-1);
      const block = glue.slice(start, glue.indexOf("break;", start));
      return [...block.matchAll(/\(arg\d+ \+ (\d+),/g)].map((m) => Number(m[1]));
    };
    const r = result(null, errorCode);
    const ec = payloadOffset(r); // where the error-code starts
    const payload = ec + payloadOffset(errorCode);
    expect(ec).toBe(8);
    expect(layout(r)).toMatchObject({ size: 40, align: 8 });
    // HTTP-request-body-size(option<u64>): tag, the option's tag (none and some), the u64.
    expect(offsetsIn("HTTP-request-body-size")).toEqual([
      ec,
      payload,
      payload,
      payload + payloadOffset(option(u64)),
    ]);
    // DNS-error({rcode: option<string>, info-code: option<u16>}): tag; rcode's tag (none and
    // some branches), its string's len (+8) and ptr (+4); info-code's tag (twice) and u16.
    const dns = errorCode.k === "variant" ? errorCode.cases[1]![1]! : u8;
    const [rcodeAt, infoAt] = memberOffsets(dns);
    expect(offsetsIn("DNS-error")).toEqual([
      ec,
      payload + rcodeAt!, // none
      payload + rcodeAt!, // some
      payload + rcodeAt! + payloadOffset(option(string)) + 4,
      payload + rcodeAt! + payloadOffset(option(string)),
      payload + infoAt!, // none
      payload + infoAt!, // some
      payload + infoAt! + payloadOffset(option(u16)),
    ]);
  });
});
