/**
 * @module abi/interfaces
 * Every interface the lean ABI serves, by unversioned name (`wasi:http/types`).
 */
import type { InterfaceSig } from "../signature.ts";
import * as cli from "./cli.ts";
import * as clocks from "./clocks.ts";
import * as http from "./http.ts";
import * as io from "./io.ts";
import * as random from "./random.ts";
import * as rusm from "./rusm.ts";

export { incomingRequestRes, responseOutparamRes } from "./http.ts";

export const LEAN_INTERFACES: ReadonlyMap<string, InterfaceSig> = new Map(
  [
    io.ioError,
    io.ioPoll,
    io.ioStreams,
    clocks.monotonicClock,
    clocks.wallClock,
    random.random,
    random.insecure,
    random.insecureSeed,
    cli.environment,
    cli.exit,
    cli.stdin,
    cli.stdout,
    cli.stderr,
    cli.terminalInput,
    cli.terminalOutput,
    cli.terminalStdin,
    cli.terminalStdout,
    cli.terminalStderr,
    http.httpTypes,
    http.outgoingHandler,
    rusm.context,
    rusm.sse,
    rusm.websocket,
    rusm.process,
    rusm.broker,
    rusm.mailbox,
  ].map((i) => [i.name, i]),
);
