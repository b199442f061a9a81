/**
 * @module cli/main
 * `rusm <command>`: the command line, parsed by commander (per-command `--help` with examples,
 * "did you mean" for a mistyped command or option), and every error reported the one way: a
 * RusmError printed as `rusm: error[CODE] ...` and a non-zero exit status (2 for usage).
 */
import { Command, CommanderError, Option } from "commander";
import { RusmError } from "../errors.ts";
import { errorText } from "./report.ts";
import { VERSION, versionText } from "./version.ts";

const DESCRIPTION = `rusm ${VERSION}: a WebAssembly component host (wasi:http, one process per request)`;

const ENVIRONMENT = `
Environment:
  RUSM_LOG=debug|info|warn|error   log level (default info; logs are JSON lines on stderr)
  RUSM_CACHE_DIR=DIR               transpile cache and rusm build's cache (default
                                   node_modules/.cache/rusm in the rusm package)
  RUSM_LISTEN=HOST:PORT, PORT=N    where rusm serve listens when routes.toml does not say
                                   (--listen wins over both; RUSM_LISTEN over PORT)

Docs: README.md (operators), docs/guest-guide.md (guest authors), docs/wit.md (the WIT
contract, for guests in other languages), docs/errors.md (error codes).
`;

const SERVE_EXAMPLES = `
Examples:
  rusm serve routes.toml                      serve the routes and components in routes.toml
  rusm serve routes.toml --listen 127.0.0.1:0 on a free port (printed: rusm listening on ...)
  rusm serve app.wasm                         one wasi:http component on every path (/*)
  PORT=3000 rusm serve app.wasm               on 127.0.0.1:3000

SIGINT or SIGTERM drains: no new connections, live streams ended, finite requests given
[serve] drain-ms; a second signal stops at once. Started through npm or npx, rusm also stops
when the npm process that started it is gone.
`;

const BUILD_EXAMPLES = `
Examples:
  rusm build src/app.ts -o app.wasm                  a TypeScript guest (StarlingMonkey)
  rusm build src/app.ts -o app.wasm --engine quickjs smaller and faster; ES2020, fewer Web APIs
  rusm build ./my-crate -o app.wasm                  a Rust guest (a Cargo project using rusm_rs)
`;

const CHECK_EXAMPLES = `
Rows, per route: a finite response ends cleanly (exit normal); a stream survives a stalled
reader with bounded memory and idle CPU (never a spin); a disconnect ends its process within
1 s (exit disconnected); nothing is left running. One line per route and row, then a summary;
exit 1 if a row failed.

Examples:
  rusm check routes.toml                          every route
  rusm check routes.toml --route "GET /feed"      one route (as written, or by path: /feed)
  rusm check routes.toml --junit rusm-check.xml   for CI's test report
`;

const DEV_EXAMPLES = `
Serves like rusm serve (one worker thread by default), and keeps what it serves up to date: a component with a
source in routes.toml (app = { path = "build/app.wasm", source = "src/app.ts" }) is built at
start and rebuilt when a file it is made of changes; a component without one is reloaded when
its .wasm file changes; routes.toml is applied again when it changes. New requests get the new
version; running processes (live streams too) finish on the one they started with. A build
error or an invalid routes.toml is printed with its file:line, and the last good version keeps
serving.

Examples:
  rusm dev routes.toml                       build, serve and watch (npm run dev in a rusm new project)
  rusm dev routes.toml --listen 127.0.0.1:0  on a free port
`;

const NEW_EXAMPLES = `
Examples:
  rusm new my-app        writes my-app/ (src/app.ts, routes.toml, a test); then:
                         cd my-app && npm install && npm run build && npm start
`;

const PS_EXAMPLES = `
The admin listener asked: --admin URL; else the [admin] listen of the routes.toml given; else
http://127.0.0.1:9464. The token ([admin] token): --token; else RUSM_ADMIN_TOKEN; else the
routes.toml's. The same data as the status page (GET / on the admin listener) and
GET /status.json. Exit 1 with error[RUSM_ADMIN_UNREACHABLE] when it cannot be had.

Examples:
  rusm ps                                  the rusm whose admin listens on 127.0.0.1:9464
  rusm ps routes.toml                      the rusm serving routes.toml (its [admin] listen)
  rusm ps --admin http://127.0.0.1:9500    another admin address
  rusm ps --json                           the snapshot as JSON (as GET /status.json)
`;

/** Exit status for a usage error (as sysexits' EX_USAGE is too obscure, 2 like most CLIs). */
const EXIT_USAGE = 2;
const EXIT_ERROR = 1;

function usage(message: string, command?: string): RusmError {
  return new RusmError("RUSM_USAGE", message, {
    hint: `run \`rusm ${command === undefined ? "" : `${command} `}--help\``,
  });
}

/** commander's way to take an option more than once. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The command line: each action stores its exit status in `status`. */
function program(status: { code: number }): Command {
  const rusm = new Command("rusm")
    .description(DESCRIPTION)
    .usage("<command> [options]")
    .helpOption("-h, --help", "this text (rusm <command> --help: that command's)")
    .version(
      versionText().trimEnd(),
      "-V, --version",
      "rusm's version, and jco's, componentize-js's and Node's",
    )
    .addHelpText("after", ENVIRONMENT)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      // Errors are reported by report(), in rusm's one format.
      writeErr: (text) => process.stderr.write(text),
      outputError: () => undefined,
    });

  rusm
    .command("serve")
    .description("serve the components and routes in routes.toml, or one component on /*")
    .argument("<routes.toml|app.wasm>", "the routes file, or a wasi:http component")
    .option(
      "--listen <host:port>",
      "where to listen (overrides [serve] listen; port 0: a free one)",
    )
    .option(
      "--workers <n>",
      "worker threads sharing the port, 1..256 (default [serve] workers, else one per core)",
    )
    .option(
      "--cache-dir <dir>",
      "the transpile cache (default RUSM_CACHE_DIR, else node_modules/.cache/rusm)",
    )
    .option("--admin <host:port>", "the admin listener (/metrics) on this loopback address")
    .option("--access-log", "one JSON line per request on stdout (as [serve] access-log = true)")
    .addHelpText("after", SERVE_EXAMPLES)
    .action(
      async (
        target: string,
        opts: {
          listen?: string;
          workers?: string;
          cacheDir?: string;
          admin?: string;
          accessLog?: boolean;
        },
      ) => {
        // Imported on demand: --help and --version need none of the server.
        const { serveCommand } = await import("./serve.ts");
        status.code = await serveCommand(target, opts);
      },
    );

  rusm
    .command("build")
    .description("build a TypeScript/JavaScript or Rust guest into a component")
    .argument(
      "<entry>",
      "the guest's entry module (.ts or .js), or a Cargo project (dir or Cargo.toml)",
    )
    .requiredOption("-o, --out <out.wasm>", "where to write the component")
    .addOption(
      new Option("--engine <engine>", "the JavaScript engine of a TypeScript guest")
        .choices(["starlingmonkey", "quickjs"])
        .default("starlingmonkey"),
    )
    .option(
      "--cache-dir <dir>",
      "the build cache (default RUSM_CACHE_DIR, else node_modules/.cache/rusm)",
    )
    .addHelpText("after", BUILD_EXAMPLES)
    .action(
      async (
        entry: string,
        opts: { out: string; engine: "starlingmonkey" | "quickjs"; cacheDir?: string },
      ) => {
        const { buildCommand } = await import("./build.ts");
        status.code = await buildCommand(entry, opts);
      },
    );

  rusm
    .command("check")
    .description("run the lifecycle table on each route: a CI check that nothing spins or leaks")
    .argument("<routes.toml|app.wasm>", "the app to check, served as rusm serve would")
    .option("--route <route>", "only this route, as written or by path (repeatable)", collect, [])
    .option("--junit <file>", "also write the results as JUnit XML")
    .option("--cache-dir <dir>", "the transpile cache (as rusm serve's)")
    .addHelpText("after", CHECK_EXAMPLES)
    .action(
      async (target: string, opts: { route: string[]; junit?: string; cacheDir?: string }) => {
        const { checkCommand } = await import("./check.ts");
        status.code = await checkCommand(target, opts);
      },
    );

  rusm
    .command("dev")
    .description("serve routes.toml and rebuild and swap in what changes (sources, .wasm, routes)")
    .argument("<routes.toml>", "the routes file; components may name a source to build")
    .option(
      "--listen <host:port>",
      "where to listen (overrides [serve] listen; port 0: a free one)",
    )
    .option(
      "--workers <n>",
      "worker threads, 1..256 (default [serve] workers, else 1); a swap reaches every one",
    )
    .option("--cache-dir <dir>", "the transpile and build cache (as rusm serve's)")
    .option("--admin <host:port>", "the admin listener (/metrics) on this loopback address")
    .addHelpText("after", DEV_EXAMPLES)
    .action(
      async (
        target: string,
        opts: { listen?: string; workers?: string; cacheDir?: string; admin?: string },
      ) => {
        const { devCommand } = await import("./dev.ts");
        status.code = await devCommand(target, opts);
      },
    );

  rusm
    .command("ps")
    .description("show a running rusm's processes, exits, broker topics and workers")
    .argument("[routes.toml]", "the routes file the rusm serves: its [admin] listen and token")
    .option("--admin <url>", "the admin listener's URL (default: see below)")
    .option("--token <token>", "[admin] token, when the admin listener has one")
    .option("--json", "print the snapshot as JSON instead of tables")
    .addHelpText("after", PS_EXAMPLES)
    .action(
      async (
        routesFile: string | undefined,
        opts: { admin?: string; token?: string; json?: boolean },
      ) => {
        const { psCommand } = await import("./ps.ts");
        status.code = await psCommand(routesFile, opts);
      },
    );

  rusm
    .command("new")
    .description("start a guest project in <dir> (source, routes, a test)")
    .argument("<dir>", "the directory to create (new or empty)")
    .addHelpText("after", NEW_EXAMPLES)
    .action(async (dir: string) => {
      const { newCommand } = await import("./new.ts");
      status.code = await newCommand(dir);
    });

  return rusm;
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const status = { code: 0 };
  // `rusm --help | head`: a reader that leaves early is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(status.code);
  });
  try {
    if (argv.length === 0) throw usage("no command given");
    await program(status).parseAsync(argv, { from: "user" });
    return status.code;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err, argv);
    return report(err);
  }
}

/** commander's exits: help and version are done (0); everything else is a usage error. */
function commanderExit(err: CommanderError, argv: readonly string[]): number {
  if (
    err.code === "commander.helpDisplayed" ||
    err.code === "commander.version" ||
    (err.code === "commander.help" && err.exitCode === 0)
  ) {
    return 0;
  }
  // "error: unknown command 'serv'\n(Did you mean serve?)" -> one line, rusm's format.
  const message = err.message
    .replace(/^error: /, "")
    .replace(/\s*\n\s*\(Did you mean (.+)\?\)/, " (did you mean $1?)")
    .trim();
  const command = ["serve", "dev", "build", "check", "ps", "new"].find((c) => argv.includes(c));
  return report(usage(message === "" ? "no command given" : message, command));
}

function report(err: unknown): number {
  process.stderr.write(`${errorText(err)}\n`);
  return err instanceof RusmError && err.code === "RUSM_USAGE" ? EXIT_USAGE : EXIT_ERROR;
}
