import { describe, expect, it } from "vitest";
import { WitError } from "../errors.ts";
import { Fields } from "./fields.ts";

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
});
