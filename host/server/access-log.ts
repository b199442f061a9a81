/**
 * @module server/access-log
 * `[serve] access-log = true` (or `rusm serve --access-log`): one JSON line per request on
 * stdout (pino, log/index.ts `createAccessLogger`), written when its exchange has ended: its
 * response is over (a stream included; for a WebSocket, its socket closed) and the process
 * that served it, if any, has exited. A line:
 *
 * | field    | what                                                                          |
 * |----------|-------------------------------------------------------------------------------|
 * | `method` | the request method                                                            |
 * | `path`   | the request path, without the query                                           |
 * | `route`  | the route pattern it matched (`GET /users/:id`), `(none)` when none          |
 * | `status` | the status sent (101 for a WebSocket); 0 when no head was sent               |
 * | `bytes`  | body bytes handed to the socket; a WebSocket: every byte written to its socket |
 * | `ms`     | from the request's arrival to the end of its response (or socket), ms        |
 * | `pid`    | the rusm process that served it; null when none did (404, 503, ...)          |
 * | `exit`   | that process's exit reason (lifecycle/exit.ts); null when none               |
 *
 * Per request it does a fixed amount of work (a few fields, one pino call); the line is
 * written asynchronously (sonic-boom), and a logging failure is swallowed: it never throws on
 * a response path.
 */
import type { IncomingMessage } from "node:http";
import type { Outgoing } from "./wire.ts";
import type { ExitReason } from "../lifecycle/exit.ts";
import { createAccessLogger, type Logger } from "../log/index.ts";

/** One request's line, filled in as the exchange goes. */
export class AccessEntry {
  readonly #log: Logger;
  readonly #method: string;
  readonly #path: string;
  readonly #route: string;
  readonly #started = performance.now();
  #bytes = 0;
  #status = 0;
  #ms: number | null = null;
  #pid: number | null = null;
  #exit: ExitReason | null = null;
  /** A process serves it and has not exited yet: the line waits for its exit. */
  #running = false;
  #written = false;

  constructor(log: Logger, method: string, url: string, route: string) {
    this.#log = log;
    this.#method = method;
    const query = url.indexOf("?");
    this.#path = query === -1 ? url : url.slice(0, query);
    this.#route = route;
  }

  /** `n` more body bytes handed to the socket. */
  sent(n: number): void {
    this.#bytes += n;
  }

  /** The status its head says (a WebSocket's 101, once upgraded). */
  status(status: number): void {
    this.#status = status;
  }

  /** Process `pid` serves it: the line waits for {@link exited}. */
  served(pid: number): void {
    this.#pid = pid;
    this.#running = true;
  }

  /** Its process exited with `reason`. */
  exited(reason: ExitReason): void {
    this.#exit = reason;
    this.#running = false;
    this.#write();
  }

  /** Its response ended (or its socket closed); `bytes` replaces the count when given. */
  ended(status: number = this.#status, bytes?: number): void {
    if (this.#ms !== null) return;
    this.#ms = performance.now() - this.#started;
    this.#status = status;
    if (bytes !== undefined) this.#bytes = bytes;
    this.#write();
  }

  #write(): void {
    if (this.#written || this.#ms === null || this.#running) return;
    this.#written = true;
    try {
      this.#log.info(
        {
          method: this.#method,
          path: this.#path,
          route: this.#route,
          status: this.#status,
          bytes: this.#bytes,
          ms: Math.round(this.#ms * 1000) / 1000,
          pid: this.#pid,
          exit: this.#exit,
        },
        "request",
      );
    } catch {
      // On purpose: a line that cannot be written (stdout gone) must not fail the response path.
    }
  }
}

/** The access log of one server. */
export class AccessLog {
  readonly #logger: ReturnType<typeof createAccessLogger>;
  readonly #byResponse = new WeakMap<Outgoing, AccessEntry>();

  constructor(logger = createAccessLogger()) {
    this.#logger = logger;
  }

  /** A line for `req` (an upgrade; the caller ends it). */
  begin(req: Pick<IncomingMessage, "method" | "url">, route: string): AccessEntry {
    return new AccessEntry(this.#logger.logger, req.method ?? "GET", req.url ?? "/", route);
  }

  /** A line for `req` answered on `res`, ended when `res` closes. */
  forResponse(
    req: Pick<IncomingMessage, "method" | "url">,
    res: Outgoing,
    route: string,
  ): AccessEntry {
    const entry = this.begin(req, route);
    this.#byResponse.set(res, entry);
    res.once("close", () => entry.ended(res.headersSent ? res.statusCode : 0));
    return entry;
  }

  /** The line of `res`, if it has one. */
  of(res: Outgoing): AccessEntry | undefined {
    return this.#byResponse.get(res);
  }

  /** Writes the buffered lines now (a shutdown). */
  flush(): void {
    this.#logger.flush();
  }
}
