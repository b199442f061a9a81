/**
 * Shared by the config unit tests: a config file path, a valid tail to append, and the
 * RusmError that parsing a text gives.
 */
import { RusmError } from "../errors.ts";
import { parseConfig } from "./parse.ts";

export const FILE = "/srv/app/routes.toml";
/** A valid tail, so each case has exactly the problem it is about. */
export const TAIL = `[components]\napp = "app.wasm"\n[serve.routes]\n"GET /" = "app"\n`;

/** The RusmError parsing `text` throws; fails the test when it parses. */
export function configError(text: string): RusmError {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof RusmError) return err;
    throw err;
  }
  throw new Error("expected an error");
}
