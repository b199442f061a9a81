/**
 * @module log
 * The host's structured logger (pino), JSON lines on stderr.
 *
 * `RUSM_LOG` sets the level (`info` by default; `debug` logs every process exit).
 * Guest stdout/stderr lines are logged here with their process id, see process/stdio.ts.
 */
import { pino, type Logger } from "pino";

export type { Logger };

/** The level named by `RUSM_LOG`, or `info`. */
function levelFromEnv(): string {
  const level = process.env.RUSM_LOG?.trim();
  return level && level.length > 0 ? level : "info";
}

/** A logger writing JSON lines to stderr. */
export function createLogger(level = levelFromEnv()): Logger {
  return pino({ level, base: { app: "rusm" } }, pino.destination({ fd: 2, sync: true }));
}

/** The most access-log bytes held while stdout does not take them. */
export const ACCESS_LOG_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * The access log's logger: JSON lines on stdout, one per request (server/access-log.ts).
 * Written asynchronously (sonic-boom buffers while a write is in flight), so a slow stdout
 * reader never blocks a response path (a synchronous write to a pipe cost ~80 µs of wall time
 * per line here, against ~7 µs); `flush()` writes what is buffered, at shutdown. The buffer is
 * bounded: with a reader that stopped, lines past {@link ACCESS_LOG_BUFFER_BYTES} are dropped,
 * not held.
 */
export function createAccessLogger(): { readonly logger: Logger; flush(): void } {
  const destination = pino.destination({
    fd: 1,
    sync: false,
    maxLength: ACCESS_LOG_BUFFER_BYTES,
  });
  const logger = pino({ level: "info", base: { app: "rusm", log: "access" } }, destination);
  return {
    logger,
    flush() {
      try {
        destination.flushSync();
      } catch {
        // Nothing buffered yet (sonic-boom refuses to flush before it is ready), or stdout
        // is gone: nothing to save either way.
      }
    },
  };
}
