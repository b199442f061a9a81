import { describe, expect, it } from "vitest";
import { WitError } from "../errors.ts";
import { FORBIDDEN_HEADERS, Fields, isFieldValue } from "./fields.ts";

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (values: Uint8Array[]): string[] => values.map((x) => new TextDecoder().decode(x));

function headerError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof WitError) return err.payload;
    throw err;
  }
  throw new Error("expected a header error");
}

describe("wasi:http fields", () => {
  it("is a case-insensitive ordered multimap", () => {
    const f = new Fields();
    f.append("X-A", v("1"));
    f.append("x-a", v("2"));
    f.set("Content-Type", [v("text/plain")]);
    expect(text(f.get("x-A"))).toEqual(["1", "2"]);
    expect(f.has("content-type")).toBe(true);
    expect(f.entries().map(([n]) => n)).toEqual(["x-a", "x-a", "content-type"]);
    f.delete("X-A");
    expect(f.has("x-a")).toBe(false);
  });

  it("rejects bad names and values as invalid-syntax, hop-by-hop names as forbidden", () => {
    expect(headerError(() => Fields.fromList([["bad name", v("x")]]))).toEqual({
      tag: "invalid-syntax",
    });
    expect(headerError(() => new Fields().append("x", v("a\r\nb")))).toEqual({
      tag: "invalid-syntax",
    });
    expect(headerError(() => new Fields().set("Connection", [v("close")]))).toEqual({
      tag: "forbidden",
    });
    expect(headerError(() => Fields.fromList([["transfer-encoding", v("chunked")]]))).toEqual({
      tag: "forbidden",
    });
  });

  it("refuses changes once frozen (request headers, a response's headers), but clones mutable", () => {
    const f = Fields.fromList([["a", v("1")]]).freeze();
    expect(headerError(() => f.append("b", v("2")))).toEqual({ tag: "immutable" });
    expect(headerError(() => f.delete("a"))).toEqual({ tag: "immutable" });
    const copy = f.clone();
    copy.append("b", v("2"));
    expect(text(copy.get("b"))).toEqual(["2"]);
    expect(f.has("b")).toBe(false);
  });

  it("forbids wasmtime's DEFAULT_FORBIDDEN_HEADERS, host and the proxy ones included", () => {
    expect([...FORBIDDEN_HEADERS].sort()).toEqual([
      "connection",
      "host",
      "http2-settings",
      "keep-alive",
      "proxy-authenticate",
      "proxy-authorization",
      "proxy-connection",
      "transfer-encoding",
      "upgrade",
    ]);
    for (const name of ["Host", "proxy-authenticate", "Proxy-Authorization"]) {
      expect(headerError(() => new Fields().append(name, v("x")))).toEqual({ tag: "forbidden" });
      expect(headerError(() => new Fields().delete(name))).toEqual({ tag: "forbidden" });
    }
    // Not in wasmtime's list: a guest may set them.
    const f = Fields.fromList([
      ["te", v("trailers")],
      ["content-length", v("3")],
    ]);
    expect(f.has("te")).toBe(true);
  });

  // Issue 15, points 4 and 5: 0x01 passed the old check (NUL, CR, LF only), then Node's
  // writeHead/addTrailers threw ERR_INVALID_CHAR, hanging the client or ending the worker.
  it("refuses values Node would refuse: control bytes but HTAB, and DEL", () => {
    const byte = (b: number): Uint8Array => Uint8Array.of(0x61, b, 0x62);
    const refused = [...Array(0x20).keys()].filter((b) => b !== 0x09).concat(0x7f);
    for (const b of refused) {
      expect(isFieldValue(byte(b)), `byte 0x${b.toString(16)}`).toBe(false);
      expect(headerError(() => new Fields().append("x", byte(b)))).toEqual({
        tag: "invalid-syntax",
      });
    }
    expect(headerError(() => Fields.fromList([["x-trailer", byte(1)]]))).toEqual({
      tag: "invalid-syntax",
    });
    expect(headerError(() => new Fields().set("x", [v("ok"), byte(1)]))).toEqual({
      tag: "invalid-syntax",
    });
    for (const b of [0x09, 0x20, 0x7e, 0x80, 0xff]) expect(isFieldValue(byte(b))).toBe(true);
    expect(new Fields().append("x", Uint8Array.of(0x09, 0xe9, 0x20))).toBeUndefined();
  });
});
