/**
 * @module config/issues
 * Turns zod issues into one located `RUSM_CONFIG_INVALID` error: the first one by position in
 * the file, so the report is deterministic and the operator fixes errors top to bottom.
 * Something missing (a required key, the routes) has no position of its own, only its
 * table's, so it comes after every problem with a key or value that is there.
 *
 * A message names the dotted key, what was expected and what was found, e.g.
 * `serve.max-memory-mb must be an integer from 1 to 65536; got 0`.
 */

import type { z } from "zod";
import { RusmError, type SourceLocation } from "../errors.ts";
import { acceptedKeys, VALUE_HINTS, type IssueParams } from "./schema.ts";
import type { TomlDocument } from "./toml.ts";
import { formatKey, type KeyPath } from "./tree.ts";

interface Report {
  missing: boolean;
  where: SourceLocation;
  message: string;
  hint: string;
}

/** The error for the first issue in file order. `issues` must not be empty. */
export function firstIssue(issues: readonly z.core.$ZodIssue[], doc: TomlDocument): RusmError {
  const reports = issues.flatMap((issue) => explain(issue, doc));
  reports.sort(
    (a, b) =>
      Number(a.missing) - Number(b.missing) ||
      a.where.line - b.where.line ||
      a.where.column - b.where.column,
  );
  const first = reports[0];
  if (first === undefined) return new RusmError("RUSM_INTERNAL", "config rejected with no issue");
  return new RusmError("RUSM_CONFIG_INVALID", first.message, {
    where: first.where,
    hint: first.hint,
  });
}

function explain(issue: z.core.$ZodIssue, doc: TomlDocument): Report[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const report = (
    at: "key" | "value",
    message: string,
    hint: string,
    where: KeyPath = path,
  ): Report => ({
    missing: false,
    where: doc.locate(where, at),
    message,
    hint,
  });

  switch (issue.code) {
    case "unrecognized_keys": {
      const table = path.length === 0 ? "at the top level" : `in [${formatKey(path)}]`;
      const accepted = acceptedKeys(path).join(", ");
      return issue.keys.map((key) =>
        report(
          "key",
          `unknown key ${formatKey([...path, key])} ${table}; accepted keys: ${accepted}`,
          "check the spelling, or remove the key",
          [...path, key],
        ),
      );
    }
    case "invalid_key": {
      const expected = issue.issues[0]?.message ?? "a valid key";
      return [
        report("key", `invalid key ${formatKey(path)}: expected ${expected}`, "rename the key"),
      ];
    }
    case "custom": {
      const params = (issue.params ?? {}) as IssueParams;
      const message =
        params.expected === undefined
          ? issue.message
          : `${formatKey(written(path, doc))} must be ${params.expected}; got ${describe(issue.input)} (${issue.message})`;
      const found = report(
        params.at ?? "value",
        message,
        params.hint ?? hintFor(written(path, doc)),
      );
      return [{ ...found, missing: params.missing === true }];
    }
    default: {
      if (issue.code === "invalid_type" && issue.input === undefined) {
        const parent = path.slice(0, -1);
        const hint = `add ${String(path.at(-1))} = ... to [${formatKey(parent)}]`;
        const found = report(
          "key",
          `missing key ${formatKey(path)}: expected ${issue.message}`,
          hint,
        );
        return [{ ...found, missing: true }];
      }
      const message = `${formatKey(written(path, doc))} must be ${issue.message}; got ${describe(issue.input)}`;
      return [report("value", message, hintFor(written(path, doc)))];
    }
  }
}

/** The key the operator wrote: `components.app`, not `components.app.path`, for `app = ""`. */
function written(path: KeyPath, doc: TomlDocument): KeyPath {
  const defined = doc.definedPrefix(path);
  return defined.length > 0 ? defined : path;
}

function hintFor(path: KeyPath): string {
  const last = path.at(-1);
  if (typeof last === "string" && path.length > 1 && Object.hasOwn(VALUE_HINTS, last)) {
    if (path[0] !== "serve" || path[1] !== "routes") return VALUE_HINTS[last]!;
  }
  if (path[0] === "components" && path.length === 2) {
    return `write ${String(path[1])} = "app.wasm", or ${String(path[1])} = { path = "app.wasm", max-memory-mb = 128 }`;
  }
  if (path[0] === "serve" && path[1] === "routes") {
    return `a route's value is the name of a component defined in [components]`;
  }
  if (path.length === 1)
    return `[${String(path[0])}] is a table: put its keys on the lines after a [${String(path[0])}] header`;
  return "see the routes.toml format in the docs";
}

/** A short description of a TOML value, for "got ...". */
function describe(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number") {
    return Number.isNaN(value)
      ? "nan"
      : Number.isFinite(value)
        ? String(value)
        : value > 0
          ? "inf"
          : "-inf";
  }
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return "a date-time";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "a table";
  return "nothing";
}
