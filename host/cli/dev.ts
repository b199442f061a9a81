/**
 * @module cli/dev
 * `rusm dev routes.toml`: serves (one worker thread unless `--workers` or `[serve] workers`
 * say more) and keeps the served components and routes up to date with their files (dev/session.ts). Build errors and config errors are printed with
 * their file:line as they happen; the last good version keeps serving. SIGINT/SIGTERM (or the
 * npm process that started it going away) drains and exits 0.
 */
import { resolve } from "node:path";
import { defaultCacheDir } from "../component/cache.ts";
import { startDev } from "../dev/session.ts";
import { RusmError } from "../errors.ts";
import { createLogger } from "../log/index.ts";
import { errorText } from "./report.ts";
import { adminLine, applyListenFlags, parseWorkers } from "./serve.ts";
import { whenStarterGone } from "./starter.ts";

export interface DevFlags {
  cacheDir?: string | undefined;
  listen?: string | undefined;
  admin?: string | undefined;
  /** `--workers N`: overrides `[serve] workers` (default 1 for rusm dev). */
  workers?: string | undefined;
}

/** Runs `rusm dev` until a signal; resolves to the exit status. */
export async function devCommand(target: string, flags: DevFlags): Promise<number> {
  const signal = new Promise<void>((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
    whenStarterGone(() => done());
  });
  if (target.endsWith(".wasm")) {
    throw new RusmError("RUSM_USAGE", `rusm dev takes a routes.toml, not a component (${target})`, {
      hint: `name it in a routes.toml, e.g. app = { path = "${target}" } (it is reloaded when it changes), or run \`rusm serve ${target}\``,
    });
  }
  const log = createLogger();
  const session = await startDev({
    file: resolve(target),
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    log,
    workers: flags.workers === undefined ? undefined : parseWorkers(flags.workers),
    adjust: (config) => applyListenFlags(config, flags),
    say: (line) => process.stderr.write(`rusm dev: ${line}\n`),
    fail: (err) => process.stderr.write(`${errorText(err)}\n`),
  });
  const { server } = session;
  process.stdout.write(
    `rusm listening on ${server.url}\n` +
      (server.adminUrl === null ? "" : adminLine(server.adminUrl)),
  );
  process.stderr.write(`rusm dev: watching ${target} and the sources it names (Ctrl-C stops)\n`);
  await signal;
  session.close();
  const { streamsEnded } = await server.close();
  log.info({ streamsEnded }, "stopped");
  process.exit(0);
}
