/**
 * @module server/listen
 * Listening on a configured address (a failure is a RUSM_LISTEN_FAILED naming the config key),
 * the `http://host:port` (or `https://`) a server really listens on, and closing.
 */
import type { AddressInfo, Server } from "node:net";
import type { Listen } from "../config/index.ts";
import { RusmError } from "../errors.ts";

/** `http://host:port` (or `https://`) of a listening server (IPv6 in brackets). */
export function urlOf(server: Server, scheme: "http" | "https" = "http"): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/**
 * Listens on `at`; `reusePort`: with `SO_REUSEPORT`, so that other listeners (the worker threads)
 * can share the port. Rejects with a RusmError naming `key`.
 */
export function listen(server: Server, at: Listen, key: string, reusePort = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new RusmError(
          "RUSM_LISTEN_FAILED",
          `cannot listen on ${at.host}:${at.port} (${key}): ${err.code ?? err.message}`,
          {
            hint:
              err.code === "EADDRINUSE"
                ? "another process uses this port: pick another, or 0 for a free one"
                : undefined,
            cause: err,
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host: at.host, port: at.port, reusePort }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Stops listening; resolves once open connections have ended too. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
