/**
 * @module test/helpers/raw-http
 * A raw HTTP/1.1 client over `node:net`, for the tests that need control a real client library
 * hides: stop reading (a stalled consumer), reset the connection mid-body, and see the exact
 * bytes of a chunked body (is the terminating `0\r\n\r\n` there or not).
 */
import { connect, type Socket } from "node:net";

/** A decoded chunked body. */
export interface Dechunked {
  /** The body bytes (the chunks' payloads), as latin1 text. */
  readonly data: string;
  /** True when the terminating zero-length chunk was received. */
  readonly complete: boolean;
}

/** Decodes as much of a chunked body as `raw` holds. */
export function dechunk(raw: string): Dechunked {
  let data = "";
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at);
    if (eol === -1) return { data, complete: false };
    const size = parseInt(raw.slice(at, eol).split(";")[0]!, 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size line at ${at}: ${raw.slice(at, eol)}`);
    if (size === 0) return { data, complete: raw.indexOf("\r\n\r\n", eol) !== -1 };
    const start = eol + 2;
    if (raw.length < start + size + 2)
      return { data: data + raw.slice(start, start + size), complete: false };
    data += raw.slice(start, start + size);
    at = start + size + 2;
  }
}

/** The `data:` payloads of the complete SSE events in `text`. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .slice(0, -1)
    .flatMap((event) =>
      event
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6)),
    );
}

export class RawHttp {
  readonly socket: Socket;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #closed = false;
  #error: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.#chunks.push(d);
      this.#bytes += d.length;
    });
    socket.on("close", () => (this.#closed = true));
    socket.on("error", (err) => (this.#error = err));
  }

  /** Connects to `baseUrl` and sends `GET path` (HTTP/1.1, keep-alive). */
  static async get(
    baseUrl: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<RawHttp> {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((done, fail) => {
      socket.once("connect", done);
      socket.once("error", fail);
    });
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${hostname}:${port}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    return new RawHttp(socket);
  }

  /** Bytes received so far (head included). */
  get bytes(): number {
    return this.#bytes;
  }

  /** True once the server closed the connection (or it was destroyed). */
  get closed(): boolean {
    return this.#closed;
  }

  get error(): Error | null {
    return this.#error;
  }

  /** Everything received so far, as latin1 text. */
  text(): string {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]?.toString("latin1") ?? "";
  }

  /** The response head (status line and headers), once received. */
  head(): string | null {
    const text = this.text();
    const end = text.indexOf("\r\n\r\n");
    return end === -1 ? null : text.slice(0, end);
  }

  /** The raw (still chunked) body received so far. */
  rawBody(): string {
    const text = this.text();
    const end = text.indexOf("\r\n\r\n");
    return end === -1 ? "" : text.slice(end + 4);
  }

  /** The body received so far, de-chunked. */
  body(): Dechunked {
    return dechunk(this.rawBody());
  }

  /** Stops reading: the kernel buffers fill, then the server's writes back up. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Polls `check` until true; throws naming `what` (with what was received) after `timeoutMs`. */
  async until(what: string, check: (self: RawHttp) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `raw client timed out waiting for: ${what}\nreceived (tail): ${JSON.stringify(this.text().slice(-500))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resets the connection (RST): a connection error for the server, not a clean close. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Closes the socket (idempotent). */
  destroy(): void {
    this.socket.destroy();
  }
}
