/**
 * @module scripts/bench/lib/wire
 * The exact bytes a server answers to one GET on a raw socket, to check that rusm and its
 * baseline send the same response (status line, headers, chunked framing, body).
 */
import { connect } from "node:net";

/**
 * Sends `GET path` with `Connection: close` and returns what arrives until the server closes,
 * `maxBytes`/`timeoutMs` is reached, or `until` (called with everything received so far, after
 * every chunk) returns true. The `Date` header is blanked (it differs every second).
 */
export function rawGet(
  url: string,
  path: string,
  maxBytes = 4096,
  timeoutMs = 2000,
  until?: (received: string) => boolean,
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).subarray(0, maxBytes).toString("latin1");
      resolve(text.replace(/^Date: .*$/im, "Date: <blanked>"));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) done();
      else if (until?.(Buffer.concat(chunks).toString("latin1")) === true) done();
    });
    socket.on("end", done);
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  });
}

/** The head of a raw response (status line and headers), `Date` blanked. */
export function headOf(raw: string): string {
  return raw.slice(0, raw.indexOf("\r\n\r\n") + 4);
}
