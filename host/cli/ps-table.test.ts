import { describe, expect, it } from "vitest";
import { table } from "./ps-table.ts";

describe("rusm ps tables", () => {
  it("pads columns to the widest cell, numbers to the right", () => {
    expect(
      table(
        ["NAME", "N"],
        [
          ["tail", 2],
          ["endless", 10],
        ],
      ),
    ).toBe("NAME      N\ntail      2\nendless  10");
  });
});
