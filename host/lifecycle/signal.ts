/**
 * @module lifecycle/signal
 * What one process (or service) can receive: a closed union, matched exhaustively.
 *
 * | kind      | sent by                    | means                                              |
 * |-----------|----------------------------|----------------------------------------------------|
 * | `message` | the broker                 | a message published on a topic it subscribed to    |
 * | `down`    | the registry, to a monitor | the monitored process ended, with its exit reason  |
 */
import type { ExitReason } from "./exit.ts";

/** A published message as a subscriber receives it. */
export interface Message {
  /** The topic it was published on (never a pattern). */
  readonly topic: string;
  readonly data: string;
}

/**
 * Why a monitored process is down: how it exited, or `noproc` when it had already ended (or
 * never existed) when the monitor was set, as in Erlang.
 */
export type DownReason = ExitReason | "noproc";

/** A reference to one monitor, unique per registry. */
export type MonitorRef = number;

export type Signal =
  | ({ readonly kind: "message" } & Message)
  | {
      readonly kind: "down";
      readonly ref: MonitorRef;
      readonly pid: number;
      readonly reason: DownReason;
    };

/** The `down` member of {@link Signal}. */
export type Down = Extract<Signal, { kind: "down" }>;
