/**
 * @module catalog/wasi
 * The WASI 0.2 interfaces rusm provides (wit/deps/), one entry each: implementation in wasi/,
 * lean descriptor in abi/interfaces/.
 */
import * as cli from "../abi/interfaces/cli.ts";
import * as clocks from "../abi/interfaces/clocks.ts";
import * as http from "../abi/interfaces/http.ts";
import * as io from "../abi/interfaces/io.ts";
import * as random from "../abi/interfaces/random.ts";
import { environment } from "../wasi/cli/environment.ts";
import { cliExit } from "../wasi/cli/exit.ts";
import { cliStderr, cliStdin, cliStdout } from "../wasi/cli/stdio.ts";
import { terminal } from "../wasi/cli/terminal.ts";
import { monotonicClock } from "../wasi/clocks/monotonic-clock.ts";
import { wallClock } from "../wasi/clocks/wall-clock.ts";
import { filesystemTypes, preopens } from "../wasi/filesystem/filesystem.ts";
import { outgoingHandler } from "../wasi/http/outgoing.ts";
import { httpTypes } from "../wasi/http/types.ts";
import { ioError } from "../wasi/io/error.ts";
import { ioPoll } from "../wasi/io/poll.ts";
import { ioStreams } from "../wasi/io/streams.ts";
import { insecure, insecureSeed, random as randomImpl } from "../wasi/random/random.ts";
import { perProcess, shared, type HostInterface, type HostPackage } from "./entry.ts";
import {
  WASI_CLI,
  WASI_CLOCKS,
  WASI_FILESYSTEM,
  WASI_HTTP,
  WASI_IO,
  WASI_RANDOM,
} from "./packages.ts";

function wasi(
  pkg: HostPackage,
  name: string,
  imports: HostInterface["imports"],
  lean: HostInterface["lean"],
  blocking: readonly string[] = [],
): HostInterface {
  return { name: `${pkg.name}/${name}`, package: pkg, blocking, lean, scope: "all", imports };
}

export const WASI_INTERFACES: readonly HostInterface[] = [
  wasi(WASI_IO, "error", shared(ioError), io.ioError),
  wasi(WASI_IO, "poll", shared(ioPoll), io.ioPoll, ["poll", "[method]pollable.block"]),
  wasi(WASI_IO, "streams", shared(ioStreams), io.ioStreams, [
    "[method]input-stream.blocking-read",
    "[method]input-stream.blocking-skip",
    "[method]output-stream.blocking-flush",
    "[method]output-stream.blocking-write-and-flush",
    "[method]output-stream.blocking-write-zeroes-and-flush",
    "[method]output-stream.blocking-splice",
  ]),
  wasi(WASI_CLOCKS, "wall-clock", shared(wallClock), clocks.wallClock),
  wasi(WASI_CLOCKS, "monotonic-clock", perProcess(monotonicClock), clocks.monotonicClock),
  wasi(WASI_RANDOM, "random", shared(randomImpl), random.random),
  wasi(WASI_RANDOM, "insecure", shared(insecure), random.insecure),
  wasi(WASI_RANDOM, "insecure-seed", shared(insecureSeed), random.insecureSeed),
  wasi(WASI_CLI, "environment", shared(environment), cli.environment),
  wasi(WASI_CLI, "exit", perProcess(cliExit), cli.exit),
  wasi(WASI_CLI, "stdin", perProcess(cliStdin), cli.stdin),
  wasi(WASI_CLI, "stdout", perProcess(cliStdout), cli.stdout),
  wasi(WASI_CLI, "stderr", perProcess(cliStderr), cli.stderr),
  wasi(WASI_CLI, "terminal-input", shared(terminal.terminalInput), cli.terminalInput),
  wasi(WASI_CLI, "terminal-output", shared(terminal.terminalOutput), cli.terminalOutput),
  wasi(WASI_CLI, "terminal-stdin", shared(terminal.terminalStdin), cli.terminalStdin),
  wasi(WASI_CLI, "terminal-stdout", shared(terminal.terminalStdout), cli.terminalStdout),
  wasi(WASI_CLI, "terminal-stderr", shared(terminal.terminalStderr), cli.terminalStderr),
  // Only jco's glue serves the filesystem: a component importing it is given no preopens.
  wasi(WASI_FILESYSTEM, "preopens", shared(preopens), null),
  wasi(WASI_FILESYSTEM, "types", shared(filesystemTypes), null),
  wasi(WASI_HTTP, "types", perProcess(httpTypes), http.httpTypes),
  wasi(WASI_HTTP, "outgoing-handler", perProcess(outgoingHandler), http.outgoingHandler),
];
