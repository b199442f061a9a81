/**
 * @module wasi
 * Assembles the WASI 0.2.x imports of one process, keyed as jco's glue asks for them
 * (`wasi:http/types`, no version: any 0.2.x minor version maps onto the same host code).
 */
import { environment } from "./cli/environment.ts";
import { cliExit } from "./cli/exit.ts";
import { cliStderr, cliStdin, cliStdout } from "./cli/stdio.ts";
import { terminal } from "./cli/terminal.ts";
import { monotonicClock } from "./clocks/monotonic-clock.ts";
import { wallClock } from "./clocks/wall-clock.ts";
import type { WasiContext } from "./context.ts";
import { filesystemTypes, preopens } from "./filesystem/filesystem.ts";
import { outgoingHandler } from "./http/outgoing.ts";
import { IncomingRequest } from "./http/request.ts";
import { ResponseOutparam } from "./http/response.ts";
import { httpTypes } from "./http/types.ts";
import { ioError } from "./io/error.ts";
import { ioPoll } from "./io/poll.ts";
import { ioStreams } from "./io/streams.ts";
import { insecure, insecureSeed, random } from "./random/random.ts";

export type { WasiContext, Disposable } from "./context.ts";
export type {
  HttpExchange,
  IncomingRequestData,
  RequestBodySource,
  FieldEntry,
} from "./http/exchange.ts";
export { WitError, GuestTrap } from "./errors.ts";
export type { OutboundAccess, OutboundObserver } from "./http/outbound/access.ts";
export { IGNORE_OUTBOUND, NO_OUTBOUND } from "./http/outbound/access.ts";
export { policyFor } from "./http/outbound/policy.ts";
export { IncomingRequest, ResponseOutparam };

/**
 * The blocking calls jco must lift as JSPI-suspending imports (`--async-imports`). Every other
 * import returns synchronously.
 */
export const BLOCKING_IMPORTS = [
  "wasi:io/poll#poll",
  "wasi:io/poll#[method]pollable.block",
  "wasi:io/streams#[method]input-stream.blocking-read",
  "wasi:io/streams#[method]input-stream.blocking-skip",
  "wasi:io/streams#[method]output-stream.blocking-flush",
  "wasi:io/streams#[method]output-stream.blocking-write-and-flush",
  "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush",
  "wasi:io/streams#[method]output-stream.blocking-splice",
] as const;

/** The export jco must lift with `WebAssembly.promising` (`--async-exports`). */
export const HANDLER_EXPORT = "wasi:http/incoming-handler#handle";

/** Import namespaces that hold no process state: the same object for every process. */
const SHARED: Record<string, object> = {
  "wasi:io/error": ioError,
  "wasi:io/poll": ioPoll,
  "wasi:io/streams": ioStreams,
  "wasi:clocks/wall-clock": wallClock,
  "wasi:random/random": random,
  "wasi:random/insecure": insecure,
  "wasi:random/insecure-seed": insecureSeed,
  "wasi:cli/environment": environment,
  "wasi:cli/terminal-input": terminal.terminalInput,
  "wasi:cli/terminal-output": terminal.terminalOutput,
  "wasi:cli/terminal-stdin": terminal.terminalStdin,
  "wasi:cli/terminal-stdout": terminal.terminalStdout,
  "wasi:cli/terminal-stderr": terminal.terminalStderr,
  "wasi:filesystem/preopens": preopens,
  "wasi:filesystem/types": filesystemTypes,
};

/** Import namespaces bound to one process. */
const PER_PROCESS: Record<string, (ctx: WasiContext) => object> = {
  "wasi:clocks/monotonic-clock": monotonicClock,
  "wasi:cli/exit": cliExit,
  "wasi:cli/stdin": cliStdin,
  "wasi:cli/stdout": cliStdout,
  "wasi:cli/stderr": cliStderr,
  "wasi:http/types": httpTypes,
  "wasi:http/outgoing-handler": outgoingHandler,
};

/** The interfaces rusm provides (unversioned), to reject components that import others. */
export const PROVIDED_INTERFACES: ReadonlySet<string> = new Set([
  ...Object.keys(SHARED),
  ...Object.keys(PER_PROCESS),
]);

/** The import object for one process. */
export function createImports(ctx: WasiContext): Record<string, object> {
  const imports: Record<string, object> = { ...SHARED };
  for (const [name, make] of Object.entries(PER_PROCESS)) imports[name] = make(ctx);
  return imports;
}
