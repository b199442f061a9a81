/**
 * @module test/helpers/tls
 * TLS and HTTP/2 for tests: a self-signed certificate made with the `openssl` CLI (installed by
 * scripts/test-deps.ts) in a temp dir, and a node:http2 client whose streams record what they
 * got and how they ended (cleanly, or reset with an error code).
 */
import { execFileSync } from "node:child_process";
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { join } from "node:path";

/** Makes `cert.pem` and `key.pem` (P-256, for localhost and 127.0.0.1) in `dir`. */
export function makeCert(dir: string, name = ""): { cert: string; key: string } {
  const cert = join(dir, `${name}cert.pem`);
  const key = join(dir, `${name}key.pem`);
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-days", "2", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", key, "-out", cert],
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

/**
 * An HTTP/2 connection to `url` (self-signed certificate accepted). Its connection-level window
 * is large, as a browser's is (Chromium's is 15 MiB), so that one stalled stream does not use it
 * up: each stream keeps its own 64 KiB window, and that is what a stalled reader fills.
 */
export async function connectH2(url: string): Promise<ClientHttp2Session> {
  const session = connect(url, { rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.setLocalWindowSize(16 * 1024 * 1024);
  session.on("error", () => undefined); // a test that resets it sees it in its streams
  return session;
}

/** One request stream and what it got. */
export interface H2Stream {
  readonly stream: ClientHttp2Stream;
  /** The response head, once it came. */
  status: number | null;
  headers: Record<string, unknown>;
  /** The body so far, as text. */
  text: string;
  /** Body bytes so far. */
  bytes: number;
  /** Settles when the stream closes: the RST_STREAM code (0: a clean end, NO_ERROR). */
  readonly closed: Promise<number>;
  /** True once the body ended cleanly (END_STREAM). */
  ended: boolean;
}

/** Opens a GET of `path` on `session`. */
export function get(session: ClientHttp2Session, path: string): H2Stream {
  const stream = session.request({ ":path": path });
  const out: H2Stream = {
    stream,
    status: null,
    headers: {},
    text: "",
    bytes: 0,
    ended: false,
    closed: new Promise<number>((resolve) =>
      stream.once("close", () => resolve(stream.rstCode ?? 0)),
    ),
  };
  stream.on("response", (headers) => {
    out.status = Number(headers[":status"]);
    out.headers = headers;
  });
  stream.on("data", (chunk: Buffer) => {
    out.bytes += chunk.length;
    out.text += chunk.toString();
  });
  stream.on("end", () => (out.ended = true));
  stream.on("error", () => undefined); // a reset: see `closed`
  return out;
}

/** `data:` lines of an SSE text, complete events only. */
export function events(text: string): string[] {
  return [...text.matchAll(/^data: (.*)\n\n/gm)].map((m) => m[1]!);
}

export const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR } = constants;
