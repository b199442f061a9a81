/**
 * @module admin/status
 * The admin listener's status routes (admin/server.ts hands them over):
 *
 * - `GET /`: the status page (admin/status-page.ts), one self-contained HTML page;
 * - `GET /status.json`: the node's snapshot (admin/status-snapshot.ts) as JSON;
 * - `GET /status/events`: the same snapshot as a text/event-stream (sse/event.ts framing), one
 *   `status` event at once and then every {@link STATUS_INTERVAL_MS}, which the page reads.
 *
 * With `[admin] token`, each needs the token: `Authorization: Bearer <token>`, or (a browser
 * cannot set a header on a page it opens, nor on an EventSource) `?token=<token>` in the URL,
 * which the page passes on to its EventSource. Without it: 401.
 *
 * One snapshot serves every open stream: it is taken once per tick while any stream is open,
 * never for one that has no room for it (a stream whose unsent bytes pass
 * {@link MAX_UNSENT_BYTES} skips events until it drains), so a slow or stalled reader holds a
 * bounded buffer. A snapshot that fails skips its tick; nothing throws out of a response path.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { formatComment, formatEvent } from "../sse/event.ts";
import { STATUS_PAGE } from "./status-page.ts";
import type { StatusSnapshot } from "./status-snapshot.ts";

/** How often an open status stream gets a snapshot. */
export const STATUS_INTERVAL_MS = 1_000;
/** A stream with more unsent bytes than this skips snapshots until it drains. */
export const MAX_UNSENT_BYTES = 256 * 1024;

/** The paths this module serves. */
export const STATUS_PATHS: ReadonlySet<string> = new Set(["/", "/status.json", "/status/events"]);

/** Where a status snapshot comes from (the node's admin source). */
export type StatusSource = () => Promise<StatusSnapshot>;

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

/** The token sent with `req`: its bearer header, else its `token` query parameter, else null. */
function sentToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) return /^Bearer +(\S+) *$/i.exec(header)?.[1] ?? null;
  const query = (req.url ?? "").split("?")[1];
  return query === undefined ? null : new URLSearchParams(query).get("token");
}

/** Serves the status routes of one admin listener. */
export class StatusRoutes {
  readonly #source: StatusSource;
  /** sha256 of `[admin] token`, or null: the routes are open. */
  readonly #token: Buffer | null;
  readonly #streams = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | null = null;

  constructor(source: StatusSource, tokenHash: Buffer | null) {
    this.#source = source;
    this.#token = tokenHash;
  }

  /** Serves `req` to one of {@link STATUS_PATHS}. */
  serve(path: string, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("use GET\n");
      return;
    }
    if (!this.#authorized(req, res)) return;
    if (path === "/") {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        // The page's own script and style only, and its stream on this same origin.
        "content-security-policy":
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      });
      res.end(STATUS_PAGE);
    } else if (path === "/status.json") {
      this.#snapshot().then(
        (snapshot) => {
          res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
          res.end(`${JSON.stringify(snapshot)}\n`);
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`status failed: ${String(err)}\n`);
        },
      );
    } else if (req.method === "HEAD") {
      // The head only: a HEAD response has no body, so no stream to keep open.
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.end();
    } else {
      this.#open(res);
    }
  }

  /** A snapshot; a synchronous throw of the source rejects it instead. */
  #snapshot(): Promise<StatusSnapshot> {
    return Promise.resolve().then(() => this.#source());
  }

  /** Ends every open stream (the admin listener closes). */
  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  #authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#token === null) return true;
    const sent = sentToken(req);
    if (sent !== null && timingSafeEqual(sha256(sent), this.#token)) return true;
    res.writeHead(401, {
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": `Bearer realm="rusm admin"`,
    });
    res.end(
      sent === null
        ? "the status page needs [admin] token: open /?token=<token>, or send Authorization: Bearer <token>\n"
        : "the token does not match [admin] token\n",
    );
    return false;
  }

  #open(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    res.write(formatComment("rusm status: one status event per second"));
    this.#streams.add(res);
    res.once("close", () => {
      this.#streams.delete(res);
      if (this.#streams.size === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    });
    // Its first event at once, then every tick with the others.
    this.#send([res]);
    this.#timer ??= setInterval(() => this.#send([...this.#streams]), STATUS_INTERVAL_MS);
  }

  /** Takes one snapshot and sends it to each of `streams` that has room for it. */
  #send(streams: ServerResponse[]): void {
    const ready = streams.filter((res) => !res.destroyed && res.writableLength <= MAX_UNSENT_BYTES);
    if (ready.length === 0) return;
    // A failed snapshot skips this tick (said once in the stream as a comment): on purpose.
    this.#snapshot().then(
      (snapshot) => {
        const event = formatEvent({ name: "status", data: JSON.stringify(snapshot) });
        for (const res of ready) if (!res.destroyed) res.write(event);
      },
      (err: unknown) => {
        for (const res of ready) {
          if (!res.destroyed) res.write(formatComment(`status failed: ${String(err)}`));
        }
      },
    );
  }
}
