/**
 * @module wasi/cli/terminal
 * `wasi:cli/terminal-*@0.2.x`: a process never has a terminal.
 */

/** WIT: `resource terminal-input;` (never handed out) */
export class TerminalInput {}
/** WIT: `resource terminal-output;` (never handed out) */
export class TerminalOutput {}

/** The terminal import namespaces: every `get-terminal-*` returns `none`. */
export const terminal = {
  terminalInput: { TerminalInput },
  terminalOutput: { TerminalOutput },
  terminalStdin: { getTerminalStdin: (): undefined => undefined },
  terminalStdout: { getTerminalStdout: (): undefined => undefined },
  terminalStderr: { getTerminalStderr: (): undefined => undefined },
} as const;
