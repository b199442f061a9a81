/**
 * @module scripts/bench/process-cost/hold
 * The Node fallback of hold.py (same protocol), used when python3 is missing:
 *
 *     node hold.ts HOST PORT PATH     # stdin: `open K`; stdout: `opened N`
 *
 * Node cannot shrink a socket's receive buffer or MSS, so the kernel takes ~2 MB of every
 * stalled stream before the server sees back-pressure: slower, and thousands of streams push
 * the kernel into TCP memory pressure. What the server process holds is the same.
 */
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";

const [host, portArg, path] = process.argv.slice(2) as [string, string, string];
const port = Number(portArg);
const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;
const held: Socket[] = [];

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => {
      socket.write(request);
      resolve();
    });
    socket.pause();
    socket.once("error", reject);
    held.push(socket);
  });
}

process.stdout.write("holder ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [word, count] = line.split(" ");
  if (word !== "open") continue;
  try {
    for (let i = 0; i < Number(count); i++) await open();
    process.stdout.write(`opened ${held.length}\n`);
  } catch (err) {
    process.stdout.write(`holder error after ${held.length}: ${(err as Error).message}\n`);
  }
}
process.exit(0);
