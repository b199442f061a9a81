/**
 * @module errors
 * The closed set of operator-facing rusm errors (config, CLI, components, limits).
 *
 * Every error rusm reports to an operator is a {@link RusmError} with a stable `code` from
 * {@link ERROR_CODES}. The table in `docs/errors.md` documents each code; a unit test keeps the
 * two in step. Guest-facing errors (WIT `error-code`, `stream-error`) are not here: they live with
 * the WASI interface that returns them.
 */

/** Every code rusm can report, with a one-line meaning. Closed: add here and in docs/errors.md. */
export const ERROR_CODES = {
  RUSM_NODE_UNSUPPORTED: "the Node.js running rusm has no JSPI (needs Node >= 24)",
  RUSM_USAGE: "the command line is wrong (unknown command, flag or missing argument)",
  RUSM_FILE_NOT_FOUND: "a file named on the command line or in the config does not exist",
  RUSM_CONFIG_SYNTAX: "routes.toml is not valid TOML",
  RUSM_CONFIG_INVALID:
    "routes.toml is valid TOML but breaks the schema (unknown key, wrong type or value)",
  RUSM_ROUTE_CONFLICT: "two routes match the same requests",
  RUSM_COMPONENT_INVALID: "a file is not a WebAssembly component rusm can load",
  RUSM_COMPONENT_NOT_HTTP: "a component does not export wasi:http/incoming-handler",
  RUSM_GUEST_BUILD:
    "rusm build could not build a guest (a source error, no handler, a top-level throw)",
  RUSM_LISTEN_FAILED: "a listen address could not be bound",
  RUSM_MEMORY_LIMIT: "a component needs more memory at start than its max-memory-mb cap",
  RUSM_ADMIN_UNREACHABLE:
    "rusm ps could not get the status from the admin listener (nothing listening, refused token)",
  RUSM_INTERNAL: "a bug in rusm; please report it with the log",
} as const;

export type RusmErrorCode = keyof typeof ERROR_CODES;

/** Where in a file an error points (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface RusmErrorOptions {
  /** Where the problem is, for config errors. */
  where?: SourceLocation | undefined;
  /** What the operator can do about it. */
  hint?: string | undefined;
  cause?: unknown;
}

/** An operator-facing error with a stable code. */
export class RusmError extends Error {
  override readonly name = "RusmError";
  readonly code: RusmErrorCode;
  readonly where: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(code: RusmErrorCode, message: string, options: RusmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
  }

  /**
   * The text printed for the operator:
   * `error[CODE] file:line:column: message` and, when known, an indented `hint:` line.
   */
  format(relativeTo?: (file: string) => string): string {
    const at = this.where
      ? `${relativeTo ? relativeTo(this.where.file) : this.where.file}:${this.where.line}:${this.where.column}: `
      : "";
    const hint = this.hint ? `\n  hint: ${this.hint}` : "";
    return `error[${this.code}] ${at}${this.message}${hint}`;
  }
}

/** True when `err` is a RusmError, optionally with the given code. */
export function isRusmError(err: unknown, code?: RusmErrorCode): err is RusmError {
  return err instanceof RusmError && (code === undefined || err.code === code);
}
