/**
 * @module cli/report
 * How the CLI prints an error: a RusmError as `rusm: error[CODE] file:line:column: message`
 * (paths relative to the working directory when inside it) with its hint; anything else as
 * `error[RUSM_INTERNAL]` with its stack.
 */
import { isAbsolute, relative } from "node:path";
import { RusmError } from "../errors.ts";

/** A path relative to the working directory when it is inside it, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** The text printed for `err` (one or more lines, no trailing newline). */
export function errorText(err: unknown): string {
  if (err instanceof RusmError) return `rusm: ${err.format(displayPath)}`;
  return `rusm: error[RUSM_INTERNAL] ${(err as Error)?.stack ?? String(err)}`;
}
