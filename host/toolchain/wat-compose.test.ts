import { describe, expect, it } from "vitest";

import { composeWat, leadingImportsEnd } from "./wat-compose.ts";

describe("leadingImportsEnd", () => {
  it("ends after the last leading import, skipping comments and strings with parens", () => {
    const text = [
      ";; a comment (import",
      '(import "m" "f(" (func $f))',
      "(; block (; nested ;) ;)",
      '(import "m" "g" (func $g (param i32)))',
      "(func $h)",
      '(import "m" "late" (func))',
    ].join("\n");
    const end = leadingImportsEnd(text);
    expect(text.slice(0, end).endsWith("(func $g (param i32)))")).toBe(true);
  });

  it("is 0 when the text starts with something else", () => {
    expect(leadingImportsEnd('(func $f)\n(import "m" "f" (func))')).toBe(0);
  });
});

describe("composeWat", () => {
  const prelude = { file: "prelude.wat", text: '(import "m" "a" (func $a))\n(func $helper)' };
  const guest = {
    file: "guest.wat",
    text: ';; guest\n(import "m" "b" (func $b))\n(func $main\n  nop)',
  };

  it("puts every file's imports before every other field", () => {
    const { text } = composeWat([prelude, guest]);
    const order = ['"m" "a"', '"m" "b"', "$helper", "$main"].map((s) => text.indexOf(s));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(text.startsWith("(module\n")).toBe(true);
    expect(text.trimEnd().endsWith(")")).toBe(true);
  });

  it("maps a joined line back to its file, line and column", () => {
    const composed = composeWat([prelude, guest]);
    const lines = composed.text.split("\n");
    const nop = lines.findIndex((l) => l.includes("nop"));
    expect(composed.locate(nop, 2)).toEqual({ file: "guest.wat", line: 3, col: 2 });
    const helper = lines.findIndex((l) => l.includes("$helper"));
    const col = lines[helper]?.indexOf("(func") ?? -1;
    expect(composed.locate(helper, col)).toEqual({ file: "prelude.wat", line: 1, col: 0 });
    const b = lines.findIndex((l) => l.includes('"m" "b"'));
    expect(composed.locate(b, 0)).toEqual({ file: "guest.wat", line: 1, col: 0 });
  });
});
