import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, RusmError } from "./errors.ts";

describe("error codes", () => {
  it("are each documented in docs/errors.md, and nothing else is", () => {
    const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
    const documented = [...doc.matchAll(/^\| `(RUSM_[A-Z_]+)` +\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("format as error[CODE] file:line:column: message, with the hint on its own line", () => {
    const err = new RusmError("RUSM_CONFIG_INVALID", "unknown key", {
      where: { file: "/srv/routes.toml", line: 3, column: 1 },
      hint: "remove it",
    });
    expect(err.format()).toBe(
      "error[RUSM_CONFIG_INVALID] /srv/routes.toml:3:1: unknown key\n  hint: remove it",
    );
  });
});
