/**
 * @module cli/main
 * `rusm <command>`: parses the command line and reports every error the one way: a RusmError
 * printed as `rusm: error[CODE] ...` and a non-zero exit status.
 */
import { parseArgs } from "node:util";
import { isAbsolute, relative } from "node:path";
import { RusmError } from "../errors.ts";
import { VERSION } from "./version.ts";

export const USAGE = `rusm ${VERSION}: a WebAssembly component host (wasi:http, one process per request)

Usage:
  rusm serve <routes.toml> [--listen HOST:PORT] [--workers N] [--cache-dir DIR]
                                               serve the components and routes in routes.toml
                                               (--workers: threads sharing the port, 1..256;
                                               default [serve] workers, else one per core)
  rusm build <entry.ts|.js|Cargo project> -o <out.wasm> [--engine starlingmonkey|quickjs]
                                               build a TypeScript/JavaScript or Rust guest into a component
                                               (--engine: the JavaScript engine, default starlingmonkey;
                                               quickjs: smaller and faster, ES2020 and fewer
                                               Web APIs: docs/guest-guide.md)
  rusm new <dir>                               start a guest project in <dir> (source, routes, test)
  rusm --help                                  this text
  rusm --version                               the version

Environment:
  RUSM_LOG=debug|info|warn|error   log level (default info; logs are JSON lines on stderr)
  RUSM_CACHE_DIR=DIR               transpile cache and rusm build's cache (default
                                   node_modules/.cache/rusm in the rusm checkout)

Docs: README.md (operators), docs/guest-guide.md (guest authors), docs/wit.md (the WIT
contract, for guests in other languages), docs/errors.md (error codes).
`;

/** Exit status for a usage error (as sysexits' EX_USAGE is too obscure, 2 like most CLIs). */
const EXIT_USAGE = 2;
const EXIT_ERROR = 1;

function usage(message: string): RusmError {
  return new RusmError("RUSM_USAGE", message, { hint: "run `rusm --help`" });
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        "cache-dir": { type: "string" },
        out: { type: "string", short: "o" },
        listen: { type: "string" },
        workers: { type: "string" },
        engine: { type: "string" },
      },
    });
    if (values.version === true) {
      process.stdout.write(`rusm ${VERSION}\n`);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (values.help === true || command === "help") {
      process.stdout.write(USAGE);
      return 0;
    }
    switch (command) {
      case "serve": {
        if (rest.length !== 1)
          throw usage("serve takes exactly one argument: the path to routes.toml");
        // Imported on demand: --help and --version need none of the server.
        const { serveCommand } = await import("./serve.ts");
        return await serveCommand(rest[0]!, {
          cacheDir: values["cache-dir"],
          listen: values.listen,
          workers: values.workers,
        });
      }
      case "build": {
        if (rest.length !== 1)
          throw usage("build takes exactly one argument: the guest's entry module");
        if (values.out === undefined)
          throw usage("build needs -o <out.wasm>: where to write the component");
        const engine = values.engine ?? "starlingmonkey";
        if (engine !== "starlingmonkey" && engine !== "quickjs")
          throw usage(`--engine must be starlingmonkey or quickjs, not "${engine}"`);
        const { buildCommand } = await import("./build.ts");
        return await buildCommand(rest[0]!, {
          out: values.out,
          cacheDir: values["cache-dir"],
          engine,
        });
      }
      case "new": {
        if (rest.length !== 1)
          throw usage("new takes exactly one argument: the directory to create");
        const { newCommand } = await import("./new.ts");
        return await newCommand(rest[0]!);
      }
      case undefined:
        throw usage("no command given");
      default:
        throw usage(`unknown command "${command}"`);
    }
  } catch (err) {
    return report(err);
  }
}

/** A path relative to the working directory when it is inside it, else absolute. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function report(err: unknown): number {
  if (err instanceof RusmError) {
    process.stderr.write(`rusm: ${err.format(displayPath)}\n`);
    return err.code === "RUSM_USAGE" ? EXIT_USAGE : EXIT_ERROR;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`rusm: ${usage((err as Error).message).format()}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`rusm: error[RUSM_INTERNAL] ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT_ERROR;
}
