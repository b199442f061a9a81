/**
 * @module check/rows
 * The lifecycle table as `rusm check` runs it on one route (shared/seed/sse-lifecycle.txt; its
 * "no spins, ever" guard). Each row is one real request from a real client (undici) to the app
 * served by `rusm serve`:
 *
 * - **finite**: a response whose body ends within {@link FINITE_MS} of its head ends cleanly:
 *   the whole body arrives and its process exits `normal`. A body still open then is a stream.
 * - **stalled reader** (streams): a client that reads the head and first bytes, then stops
 *   reading. Once the stream has stalled (under 16 KiB handed to the socket in a second: the
 *   kernel's socket buffers, megabytes on loopback, are full, or the feed is slow and may never
 *   fill them) or {@link STALL_MS} have passed, CPU is measured over {@link CPU_WINDOW_MS}: it must be
 *   idle (under {@link IDLE_CPU_MS_PER_S} of CPU time per second), a guest parked on
 *   back-pressure or a timer, not spinning; a stream still sending then may use more, if it
 *   sends at least {@link MIN_BYTES_PER_CPU_MS} per ms of CPU. Host memory must be bounded: the body bytes rusm
 *   holds within what `body-buffer-kb` allows, RSS growth over the stall under
 *   {@link RSS_GROWTH_BYTES}. And the stream must survive it: still open, going on once the
 *   client reads again.
 * - **disconnect** (streams): the client goes away; the process must exit `disconnected`
 *   within {@link DISCONNECT_MS}.
 * - **nothing left**: once the route's rows are done, no process of it is running
 *   (within {@link SETTLE_MS}).
 *
 * CPU is CPU time, not wall time. The 1 s disconnect and the stall are wall-clock bounds the
 * seed sets; a machine too busy to meet them fails them, and says by how much.
 */
import { Client } from "undici";
import type { Readable } from "node:stream";
import { exitsBetween, type CheckedServer, type Reading } from "./server.ts";

export const FIRST_BYTE_MS = 10_000;
export const FINITE_MS = 10_000;
export const STALL_MS = 30_000;
export const CPU_WINDOW_MS = 2_000;
export const IDLE_CPU_MS_PER_S = 100;
export const RSS_GROWTH_BYTES = 128 * 1024 * 1024;
/**
 * A stream still sending when the stall ends (its producer is fast and the kernel's buffers
 * are not full yet) may use CPU: it must then send at least this many bytes per ms of CPU
 * (a producer writing 12-byte events from TypeScript sends ~250). A guest that burns CPU
 * without output (waiting on a clock in a loop) sends ~0.
 */
export const MIN_BYTES_PER_CPU_MS = 25;
export const DISCONNECT_MS = 1_000;
export const SETTLE_MS = 5_000;
/** How long a resumed reader waits for more of the stream. */
const RESUME_MS = 3_000;
/** A stream sending less than this per second is slow, not held back: judged at once. */
const SLOW_BYTES_PER_S = 16 * 1024;

export type RowName = "finite" | "stalled reader" | "disconnect" | "nothing left" | "websocket";

export interface RowResult {
  readonly row: RowName;
  readonly ok: boolean;
  /** What was measured, or what went wrong. */
  readonly detail: string;
  readonly ms: number;
}

/** One route made concrete: what to request. */
export interface RouteRequest {
  /** As written in routes.toml: `GET /users/:id`. */
  readonly pattern: string;
  readonly method: string;
  /** With every parameter filled in: `/users/check`. */
  readonly path: string;
  /**
   * The most body bytes rusm may hold for one response of the route: its channel
   * (`body-buffer-kb`) plus the socket's high-water mark and one coalesced chunk (`[serve]
   * body-buffer-kb` each; README, limits).
   */
  readonly heldLimitBytes: number;
}

/** An open response: its head, and a body read only when asked. */
interface Open {
  readonly client: Client;
  readonly status: number;
  readonly contentType: string;
  readonly body: Readable;
}

async function open(server: CheckedServer, route: RouteRequest): Promise<Open> {
  // `[serve] tls`: the app's own certificate names its public host, not the 127.0.0.1 the check
  // runs it on, and may be self-signed; the check is about lifecycles, not identity.
  const tls = server.url.startsWith("https:") ? { connect: { rejectUnauthorized: false } } : {};
  const client = new Client(server.url, { pipelining: 1, ...tls });
  try {
    const res = await client.request({
      method: route.method,
      path: route.path,
      headersTimeout: FIRST_BYTE_MS,
      bodyTimeout: 0,
      ...(route.method === "GET" || route.method === "HEAD" ? {} : { body: "" }),
    });
    const type = res.headers["content-type"];
    return {
      client,
      status: res.statusCode,
      contentType: Array.isArray(type) ? type.join(",") : (type ?? ""),
      body: res.body,
    };
  } catch (err) {
    await client.destroy();
    throw err;
  }
}

/** Reads until `bytes` more have come, the body ends, or `ms` pass. */
function readSome(body: Readable, bytes: number, ms: number): Promise<"more" | "ended" | "none"> {
  return new Promise((done) => {
    let got = 0;
    const finish = (how: "more" | "ended" | "none"): void => {
      clearTimeout(timer);
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onEnd);
      body.pause();
      done(how);
    };
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got >= bytes) finish("more");
    };
    const onEnd = (): void => finish(got > 0 ? "more" : "ended");
    const timer = setTimeout(() => finish(got > 0 ? "more" : "none"), ms);
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onEnd);
    body.resume();
  });
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;

function describeExits(moved: Partial<Record<string, number>>): string {
  const parts = Object.entries(moved).map(([reason, n]) => `${reason} ${n}`);
  return parts.length === 0 ? "no exit yet" : parts.join(", ");
}

/**
 * Waits for the route's processes to be gone; a reading to measure the next row from. Throws
 * when they are not gone in {@link SETTLE_MS}: the previous request's process outlived its
 * client (the row then fails saying so).
 */
async function settled(server: CheckedServer): Promise<Reading> {
  const wait = await server.until((r) => r.live === 0, SETTLE_MS);
  if (!wait.held) {
    throw new Error(
      `${wait.reading.live} process(es) of the previous request still running ${SETTLE_MS} ms after its client left (a guest that ignores failed writes?)`,
    );
  }
  return wait.reading;
}

/**
 * The first row: is the route finite (and then did it end cleanly), or a stream? Returns the
 * finite row's result, or null for a stream.
 */
async function finiteRow(server: CheckedServer, route: RouteRequest): Promise<RowResult | null> {
  const before = await settled(server);
  const start = performance.now();
  const res = await open(server, route);
  try {
    if (/^text\/event-stream/i.test(res.contentType)) return null;
    if (res.status === 426) {
      // A WebSocket action's route answers a plain GET 426 and starts no process. Its rows
      // (close codes, recv and send) need a WebSocket client: docs/websocket.md.
      return {
        row: "websocket",
        ok: true,
        detail:
          "426 Upgrade: websocket, no process (a WebSocket route: its lifecycle rows are not run here)",
        ms: performance.now() - start,
      };
    }
    let bytes = 0;
    const ended = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), FINITE_MS);
      res.body.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.body.once("end", () => {
        clearTimeout(timer);
        done(true);
      });
      res.body.once("error", () => {
        clearTimeout(timer);
        done(false);
      });
    });
    if (!ended) return null;
    const exit = await server.until(
      (r) => Object.values(exitsBetween(before, r)).reduce((a, n) => a + (n ?? 0), 0) >= 1,
      SETTLE_MS,
    );
    const moved = exitsBetween(before, exit.reading);
    const ok = moved.normal === 1 && Object.keys(moved).length === 1;
    return {
      row: "finite",
      ok,
      detail: ok
        ? `${res.status}, ${bytes} bytes, exit normal`
        : `${res.status}, ${bytes} bytes, but the process exit was: ${describeExits(moved)} (want normal)`,
      ms: performance.now() - start,
    };
  } finally {
    await res.client.destroy();
  }
}

/** The stalled-reader row; leaves the stream open for the disconnect row. */
async function stalledRow(
  server: CheckedServer,
  route: RouteRequest,
): Promise<{ result: RowResult; stream: Open | null }> {
  const start = performance.now();
  const row = (ok: boolean, detail: string): RowResult => ({
    row: "stalled reader",
    ok,
    detail,
    ms: performance.now() - start,
  });
  const before = await settled(server);
  const res = await open(server, route);
  // The head and whatever comes first; then the client stops reading.
  await readSome(res.body, 1, 2_000);
  const stalling = await server.read();
  // Stalled: (almost) nothing more handed to the socket across a second, or STALL_MS passed.
  let stalled = false;
  for (let last = stalling, waited = 0; waited < STALL_MS && !stalled; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await server.read();
    stalled = now.sentBytes - last.sentBytes < SLOW_BYTES_PER_S;
    last = now;
  }
  const windowStart = await server.read();
  await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
  const windowEnd = await server.read();
  const cpuMs = windowEnd.cpuMs - windowStart.cpuMs;
  const cpuPerS = (cpuMs * 1000) / CPU_WINDOW_MS;
  const sent = windowEnd.sentBytes - windowStart.sentBytes;
  const growth = windowEnd.rssBytes - stalling.rssBytes;
  const gone = exitsBetween(before, windowEnd);
  const pace = stalled
    ? "stalled or slow"
    : `still sending ${kib((sent * 1000) / CPU_WINDOW_MS)}/s`;
  const measured = `${pace}, ${kib(windowEnd.bufferedBytes)} held (limit ${kib(route.heldLimitBytes)}), RSS ${growth >= 0 ? "+" : ""}${mib(growth)}, CPU ${cpuPerS.toFixed(0)} ms/s`;
  const problems: string[] = [];
  if (Object.keys(gone).length > 0) problems.push(`the stream ended (${describeExits(gone)})`);
  if (windowEnd.bufferedBytes > route.heldLimitBytes) problems.push("more held than its limit");
  if (growth > RSS_GROWTH_BYTES) problems.push(`RSS grew over ${mib(RSS_GROWTH_BYTES)}`);
  if (cpuPerS > IDLE_CPU_MS_PER_S && sent < cpuMs * MIN_BYTES_PER_CPU_MS) {
    problems.push(
      `not idle: over ${IDLE_CPU_MS_PER_S} ms/s of CPU while the reader stalled, ${stalled ? "with nothing to send" : `sending ${Math.round(sent / Math.max(cpuMs, 1))} bytes per ms of CPU`} (a spin?)`,
    );
  }
  if (problems.length === 0) {
    // It survived: the client reads again and the stream goes on.
    const resumed = await readSome(res.body, 1, RESUME_MS);
    if (resumed === "ended") problems.push("the stream ended when the client read again");
  }
  const ok = problems.length === 0;
  return {
    result: row(ok, ok ? measured : `${problems.join("; ")} (${measured})`),
    stream: ok ? res : (await res.client.destroy(), null),
  };
}

/** The disconnect row, on the stream the stalled-reader row left open. */
async function disconnectRow(server: CheckedServer, stream: Open): Promise<RowResult> {
  const before = await server.read();
  const start = performance.now();
  await stream.client.destroy();
  const exit = await server.until(
    (r) => Object.keys(exitsBetween(before, r)).length > 0,
    DISCONNECT_MS + 4_000,
  );
  const ms = performance.now() - start;
  const moved = exitsBetween(before, exit.reading);
  const ok = exit.held && moved.disconnected === 1 && ms <= DISCONNECT_MS;
  const took = `${Math.round(ms)} ms`;
  let detail = `exit disconnected in ${took}`;
  if (!exit.held) detail = `still running ${took} after the client left`;
  else if (moved.disconnected !== 1) detail = `exit ${describeExits(moved)} (want disconnected)`;
  else if (ms > DISCONNECT_MS)
    detail = `exit disconnected, but after ${took} (limit ${DISCONNECT_MS} ms)`;
  return { row: "disconnect", ok, detail, ms };
}

async function nothingLeftRow(server: CheckedServer): Promise<RowResult> {
  const wait = await server.until((r) => r.live === 0, SETTLE_MS);
  return {
    row: "nothing left",
    ok: wait.held,
    detail: wait.held ? "0 processes" : `${wait.reading.live} still running after ${SETTLE_MS} ms`,
    ms: wait.ms,
  };
}

/** Every row that applies to `route`, in order. */
export async function checkRoute(server: CheckedServer, route: RouteRequest): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const fail = (row: RowName, err: unknown): RowResult => ({
    row,
    ok: false,
    detail: err instanceof Error ? err.message : String(err),
    ms: 0,
  });
  let finite: RowResult | null;
  try {
    finite = await finiteRow(server, route);
  } catch (err) {
    results.push(fail("finite", err));
    results.push(await nothingLeftRow(server));
    return results;
  }
  if (finite !== null) {
    results.push(finite);
  } else {
    try {
      const stalled = await stalledRow(server, route);
      results.push(stalled.result);
      if (stalled.stream !== null) results.push(await disconnectRow(server, stalled.stream));
    } catch (err) {
      results.push(fail("stalled reader", err));
    }
  }
  results.push(await nothingLeftRow(server));
  return results;
}
