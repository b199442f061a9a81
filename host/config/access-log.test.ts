import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { configError, FILE, TAIL } from "./test-support.ts";

describe("[serve] access-log", () => {
  it("is off by default, on with true", () => {
    expect(parseConfig(TAIL, FILE).serve.accessLog).toBe(false);
    expect(parseConfig(`[serve]\naccess-log = true\n${TAIL}`, FILE).serve.accessLog).toBe(true);
  });

  it("refuses a non-boolean with file:line:column and a hint", () => {
    const err = configError(`[serve]\naccess-log = "yes"\n${TAIL}`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file: FILE, line: 2, column: 14 });
    expect(err.message).toContain(`serve.access-log must be true or false; got "yes"`);
    expect(err.hint).toContain("access-log = true");
  });
});
