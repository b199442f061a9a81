/**
 * @module cli/serve
 * `rusm serve routes.toml`: validates the config, loads the components, listens, prints the
 * real addresses, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import { loadConfig, parseListen } from "../config/index.ts";
import { RusmError } from "../errors.ts";
import { createLogger } from "../log/index.ts";
import { startServer } from "../server/index.ts";

export interface ServeFlags {
  cacheDir?: string | undefined;
  /** Overrides `[serve] listen` (tests and scripts use `127.0.0.1:0`). */
  listen?: string | undefined;
}

/** Runs the server until a signal; resolves to the exit status. */
export async function serveCommand(configPath: string, flags: ServeFlags): Promise<number> {
  // Handlers first: a signal that comes as soon as the listening line is out (a supervisor
  // waiting for it) must get the graceful shutdown, not Node's default action.
  const signal = new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  const config = await loadConfig(resolve(configPath));
  if (flags.listen !== undefined) {
    const parsed = parseListen(flags.listen);
    if (!parsed.ok) {
      throw new RusmError("RUSM_USAGE", `--listen ${flags.listen}: ${parsed.reason}`, {
        hint: "give host:port, e.g. --listen 127.0.0.1:0 for a free port",
      });
    }
    config.serve.listen = parsed.listen;
  }
  const log = createLogger();
  const server = await startServer(config, {
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    log,
    progress: (line) => process.stderr.write(`rusm: ${line}\n`),
  });
  // One write: a reader sees both addresses at once.
  process.stdout.write(
    `rusm listening on ${server.url}\n` +
      (server.adminUrl === null
        ? ""
        : `rusm admin listening on ${server.adminUrl} (GET /metrics)\n`),
  );

  log.info({ signal: await signal, live: server.registry.size }, "shutting down");
  await server.close();
  const left = server.registry.size;
  if (left > 0) log.warn({ live: left }, "processes did not stop within the grace period");
  log.info({ exits: Object.fromEntries(server.registry.exits()) }, "stopped");
  // Exit now: a process that could not be stopped (spinning without host calls) must not keep
  // Node alive after the shutdown.
  process.exit(0);
}
