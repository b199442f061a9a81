/**
 * ts-live: the live fan-out shape with the TypeScript SDK: `broker.subscribe` then
 * `sse.run(heartbeatMs, map)`, and a publisher. Routed as `module#function`; see README.md.
 *
 * Built with both engines (scripts/build-guests.ts: `<name>.qjs.wasm` for QuickJS):
 * @engines starlingmonkey quickjs
 */
import { broker, type Params, type Sse } from "rusm/guest";

function heartbeat(request: Request): number {
  return Number(new URL(request.url).searchParams.get("hb") ?? 15000);
}

export const live = {
  /** The example: every message's data as it is, heartbeats while idle. */
  news(request: Request, _params: Params, sse: Sse): void {
    broker.subscribe("news");
    sse.run(heartbeat(request), (msg) => msg);
  },

  /**
   * `GET /tail/:topic`: what the WAT `live-tail` does, in TypeScript: each message's data as it
   * is on the route's topic (scripts/bench/ts-live compares it with `live-tail`'s bytes).
   */
  follow(request: Request, params: Params, sse: Sse): void {
    broker.subscribe(params.get("topic") ?? "news");
    sse.run(heartbeat(request), (msg) => msg);
  },

  /**
   * `GET /live/:topic`: each message as `event: <topic>` (so patterns show where it came
   * from). A message `skip` is not sent (map returns undefined); `boom` crashes the process;
   * `oom` allocates until the memory cap stops it.
   */
  tail(request: Request, params: Params, sse: Sse): void {
    broker.subscribe(params.get("topic") ?? "news");
    sse.run(heartbeat(request), (msg) => {
      if (msg.data === "skip") return undefined;
      if (msg.data === "boom") throw new Error(`boom on ${msg.topic}`);
      if (msg.data === "oom") {
        const hog: string[] = [];
        for (;;) hog.push(`${hog.length}`.padEnd(1 << 20, "x"));
      }
      return { event: msg.topic, data: msg.data };
    });
  },

  /**
   * `GET /inbox/:topic`: a subscriber that waits in `broker.receive` (its mailbox, not the
   * stream), writing each message as a data event; `?ms=M` is its receive timeout. Its
   * client's leaving does not end that wait: rusm must (test/teardown.test.ts).
   */
  inbox(request: Request, params: Params, sse: Sse): void {
    broker.subscribe(params.get("topic") ?? "news");
    const ms = Number(new URL(request.url).searchParams.get("ms") ?? 60000);
    sse.comment("subscribed");
    for (;;) {
      const got = broker.receive(ms);
      if (got.kind === "closed") return;
      if (got.kind === "message" && !sse.data(got.data)) return;
    }
  },

  /** `POST /publish/:topic`: publishes the body; answers `{"delivered": N}`. */
  async publish(request: Request, params: Params): Promise<Response> {
    const delivered = broker.publish(params.get("topic") ?? "news", await request.text());
    return Response.json({ delivered });
  },
};
