/**
 * @module abi/interfaces/cli
 * `wasi:cli@0.2.x` imports (environment, exit, stdio, terminals) for the lean ABI.
 */
import { InterfaceBuilder } from "../signature.ts";
import { list, option, own, result, string, tuple, u8 } from "../types.ts";
import { inputStreamRes, outputStreamRes } from "./io.ts";

export const environment = new InterfaceBuilder("wasi:cli/environment")
  .func("get-environment", [], list(tuple(string, string)))
  .func("get-arguments", [], list(string))
  .func("initial-cwd", [], option(string))
  .build();

export const exit = new InterfaceBuilder("wasi:cli/exit")
  .func("exit", [result(null, null)])
  .func("exit-with-code", [u8])
  .build();

export const stdin = new InterfaceBuilder("wasi:cli/stdin")
  .func("get-stdin", [], own(inputStreamRes))
  .build();
export const stdout = new InterfaceBuilder("wasi:cli/stdout")
  .func("get-stdout", [], own(outputStreamRes))
  .build();
export const stderr = new InterfaceBuilder("wasi:cli/stderr")
  .func("get-stderr", [], own(outputStreamRes))
  .build();

const terminalInputI = new InterfaceBuilder("wasi:cli/terminal-input");
const terminalInputRes = terminalInputI.resource("terminal-input");
const terminalOutputI = new InterfaceBuilder("wasi:cli/terminal-output");
const terminalOutputRes = terminalOutputI.resource("terminal-output");
export const terminalInput = terminalInputI.build();
export const terminalOutput = terminalOutputI.build();
export const terminalStdin = new InterfaceBuilder("wasi:cli/terminal-stdin")
  .func("get-terminal-stdin", [], option(own(terminalInputRes)))
  .build();
export const terminalStdout = new InterfaceBuilder("wasi:cli/terminal-stdout")
  .func("get-terminal-stdout", [], option(own(terminalOutputRes)))
  .build();
export const terminalStderr = new InterfaceBuilder("wasi:cli/terminal-stderr")
  .func("get-terminal-stderr", [], option(own(terminalOutputRes)))
  .build();
