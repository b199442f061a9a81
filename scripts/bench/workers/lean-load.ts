/**
 * @module scripts/bench/workers/lean-load
 * A lean closed-loop load generator for one fixed GET whose answer ends with a chunked body's
 * last chunk (`0\r\n\r\n`): `connections` keep-alive sockets, each sending the same request
 * bytes again as soon as the previous answer ended. It parses nothing but that end marker, so it
 * costs the client a fraction of autocannon's CPU per request: on a 2-core machine the client
 * shares the cores with the server, and a heavy client would cap the rate of the server with
 * more threads first.
 */
import { connect, type Socket } from "node:net";
import type { LoadResult } from "../lib/load.ts";
import { quantile } from "../lib/stats.ts";

const END = Buffer.from("0\r\n\r\n");

/** Keep-alive GETs of `url` on `connections` sockets for `seconds`. */
export function leanLoad(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const { hostname, port, pathname, search } = new URL(url);
  const request = Buffer.from(
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`,
    "latin1",
  );
  const times: number[] = [];
  let failures = 0;
  let stopping = false;
  const started = performance.now();
  const sockets: Socket[] = [];
  return new Promise((resolve) => {
    let open = connections;
    const closed = (): void => {
      if (--open > 0) return;
      const elapsed = (performance.now() - started) / 1000;
      const sorted = Float64Array.from(times).sort();
      resolve({
        seconds: elapsed,
        requests: times.length,
        rps: times.length / elapsed,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        failures,
      });
    };
    for (let i = 0; i < connections; i++) {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      let sent = 0;
      // Whether the current answer's first bytes are still to come (its status line).
      let first = true;
      // What arrived of the current answer: only its tail is kept, to find the end marker.
      let tail: Buffer = Buffer.alloc(0);
      const send = (): void => {
        sent = performance.now();
        first = true;
        tail = Buffer.alloc(0);
        socket.write(request);
      };
      socket.on("connect", send);
      socket.on("data", (chunk: Buffer) => {
        if (first) {
          first = false;
          if (chunk.toString("latin1", 0, 10) !== "HTTP/1.1 2") failures++;
        }
        tail = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
        if (tail.indexOf(END) === -1) {
          if (tail.length > END.length) tail = tail.subarray(tail.length - END.length);
          return;
        }
        times.push(performance.now() - sent);
        if (stopping) socket.end();
        else send();
      });
      socket.on("error", () => {
        failures++;
      });
      socket.on("close", closed);
    }
    setTimeout(() => {
      stopping = true;
      // A socket whose answer never comes is cut after a grace.
      setTimeout(() => sockets.forEach((s) => s.destroy()), 2_000).unref();
    }, seconds * 1000);
  });
}
