/**
 * Shared by the config unit tests: a config file path, a valid tail to append, and the
 * RusmError that parsing a text gives.
 */
import type { RusmError } from "../errors.ts";
import { thrownRusmError } from "../errors.test-support.ts";
import { parseConfig } from "./parse.ts";

export const FILE = "/srv/app/routes.toml";
/** A valid tail, so each case has exactly the problem it is about. */
export const TAIL = `[components]\napp = "app.wasm"\n[serve.routes]\n"GET /" = "app"\n`;

/** The RusmError parsing `text` throws; fails the test when it parses. */
export const configError = (text: string): RusmError =>
  thrownRusmError(() => parseConfig(text, FILE));
