/**
 * One-line component errors (component/load-error.ts): anyhow's chains as wasm-tools and jco
 * print them, numbered causes, Rust's pretty-printed values, backtraces, and things that are not
 * Errors.
 */
import { describe, expect, it } from "vitest";
import { collapse, errorChain, oneLine } from "./load-error.ts";

describe("collapse / oneLine", () => {
  it("joins anyhow's chain on one line", () => {
    const text =
      "failed to extract interface information from component\n\nCaused by:\n    unexpected end-of-file (at offset 0x18a6)";
    expect(collapse(text)).toBe(
      "failed to extract interface information from component: unexpected end-of-file (at offset 0x18a6)",
    );
  });

  it("drops the numbering of several causes, and a backtrace", () => {
    const text =
      "outer\n\nCaused by:\n    0: middle\n    1: inner (at offset 0x10)\n\nStack backtrace:\n   0: anyhow::error\n";
    expect(collapse(text)).toBe("outer: middle: inner (at offset 0x10)");
  });

  it("keeps a cause that spans lines, and a pretty-printed value on one line", () => {
    expect(
      collapse("export name `a b` is not a valid extern name\n    `a b` is not in kebab case"),
    ).toBe("export name `a b` is not a valid extern name: `a b` is not in kebab case");
    expect(
      collapse("bad magic number - expected=[\n    0x0,\n    0x61,\n] actual=[\n    0x1,\n]"),
    ).toBe("bad magic number - expected=[ 0x0, 0x61, ] actual=[ 0x1, ]");
  });

  it("leaves a line alone, and says something for anything thrown", () => {
    expect(oneLine(new Error("unknown local 3: local index out of bounds"))).toBe(
      "unknown local 3: local index out of bounds",
    );
    expect(oneLine("plain string\nsecond")).toBe("plain string: second");
    expect(oneLine({ message: "an object" })).toBe("an object");
    expect(oneLine(new TypeError(""))).toBe("TypeError");
    expect(collapse("x".repeat(2000)).length).toBeLessThanOrEqual(1001);
  });
});

describe("errorChain", () => {
  it("keeps every cause with its stack", () => {
    const inner = new Error("inner\n\nCaused by:\n    deep");
    const outer = new Error("outer", { cause: inner });
    const chain = errorChain(outer);
    expect(chain).toContain("Error: outer");
    expect(chain).toContain("caused by: Error: inner\n\nCaused by:\n    deep");
    expect(chain).toMatch(/\n\s+at /);
  });
});
