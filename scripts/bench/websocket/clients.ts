/**
 * @module scripts/bench/websocket/clients
 * The websocket bench's client side (`ws` clients in the bench's own process): echo round
 * trips on one connection, one member's messages fanned out to a room, and N sockets held open
 * (parked) for the RSS measure.
 */
import WebSocket from "ws";

/** Opens a WebSocket; rejects on any non-101 answer. */
export function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_q, res) => reject(new Error(`answered ${res.statusCode}`)));
  });
}

/** Opens `n` sockets, `batch` at a time. */
export async function openMany(url: string, n: number, batch = 200): Promise<WebSocket[]> {
  const all: WebSocket[] = [];
  for (let i = 0; i < n; i += batch) {
    all.push(
      ...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => open(url)))),
    );
  }
  return all;
}

/** Closes every socket and waits for each to be closed (or terminated after 5 s). */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => ws.terminate(), 5000);
          ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          ws.close();
        }),
    ),
  );
}

/** Echo round trips on one connection for `seconds`: one message out, its echo back, again. */
export async function echoRoundTrips(
  url: string,
  seconds: number,
): Promise<{ rps: number; errors: string[] }> {
  const ws = await open(`${url}/echo`);
  const errors: string[] = [];
  const message = "ping 0123456789";
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await new Promise<void>((resolve) => {
    ws.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      if (text !== message && errors.length === 0) errors.push(`echo gave ${text}`);
      n++;
      if (performance.now() < until) ws.send(message);
      else resolve();
    });
    ws.send(message);
  });
  const rps = n / ((performance.now() - started) / 1000);
  await closeAll([ws]);
  return { rps, errors };
}

/**
 * `members` sockets in room `topic`; the first sends `messages` messages at once; resolves with
 * deliveries per second (members × messages over the time until every member had all).
 */
export async function fanout(
  url: string,
  topic: string,
  members: number,
  messages: number,
  settle: () => Promise<void>,
): Promise<{ deliveriesPerS: number; errors: string[] }> {
  const sockets = await openMany(`${url}/room/${topic}`, members);
  await settle(); // every member subscribed
  const errors: string[] = [];
  let done = 0;
  const started = performance.now();
  const all = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`fan-out: ${done} of ${members} members got all ${messages} in 120 s`)),
      120_000,
    );
    for (const ws of sockets) {
      let got = 0;
      ws.on("message", () => {
        got++;
        if (got === messages && ++done === members) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  for (let i = 0; i < messages; i++) sockets[0]!.send(`message ${i}`);
  try {
    await all;
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err));
  }
  const seconds = (performance.now() - started) / 1000;
  await closeAll(sockets);
  return { deliveriesPerS: (members * messages) / seconds, errors };
}
