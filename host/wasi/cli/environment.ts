/**
 * @module wasi/cli/environment
 * `wasi:cli/environment@0.2.x`: a process sees no environment, no arguments and no cwd.
 * rusm passes nothing of the host's environment to guests.
 */

/** The `wasi:cli/environment` import namespace. */
export const environment = {
  /** WIT: `get-environment: func() -> list<tuple<string, string>>;` */
  getEnvironment: (): Array<[string, string]> => [],
  /** WIT: `get-arguments: func() -> list<string>;` */
  getArguments: (): string[] => [],
  /** WIT: `initial-cwd: func() -> option<string>;` */
  initialCwd: (): string | undefined => undefined,
} as const;
