/**
 * @module cli/serve
 * `rusm serve routes.toml`: validates the config, loads the components, listens, prints the
 * real addresses, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import { loadConfig } from "../config/index.ts";
import { createLogger } from "../log/index.ts";
import { startServer } from "../server/index.ts";

export interface ServeFlags {
  cacheDir?: string | undefined;
}

/** Runs the server until a signal; resolves to the exit status. */
export async function serveCommand(configPath: string, flags: ServeFlags): Promise<number> {
  const config = await loadConfig(resolve(configPath));
  const log = createLogger();
  const server = await startServer(config, {
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    log,
    progress: (line) => process.stderr.write(`rusm: ${line}\n`),
  });
  process.stdout.write(`rusm listening on ${server.url}\n`);
  if (server.adminUrl !== null)
    process.stdout.write(`rusm admin listening on ${server.adminUrl} (GET /metrics)\n`);

  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  log.info({ signal, live: server.registry.size }, "shutting down");
  await server.close();
  log.info({ exits: Object.fromEntries(server.registry.exits()) }, "stopped");
  return 0;
}
