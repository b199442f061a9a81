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
