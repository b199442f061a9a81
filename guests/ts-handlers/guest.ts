/**
 * ts-handlers: the seed's handler-module shape, `fn(Request, Params, Sse)`, in TypeScript.
 * Routed as `module#function`; see README.md for what each handler is for.
 *
 * Built with both engines (scripts/build-guests.ts: `<name>.qjs.wasm` for QuickJS):
 * @engines starlingmonkey quickjs
 */
import type { Params, Sse } from "rusm/guest";

function limit(request: Request): number {
  const n = new URL(request.url).searchParams.get("n");
  return n === null ? Infinity : Number(n);
}

export const api = {
  /**
   * `tick N` events: `?n=K` of them, else endless until the client goes away. `?pad=B`: a
   * B-byte comment after each event (fills socket buffers fast in back-pressure tests).
   */
  feed(request: Request, _params: Params, sse: Sse): void {
    const max = limit(request);
    const pad = ".".repeat(Number(new URL(request.url).searchParams.get("pad") ?? 0));
    let n = 0;
    for (; n < max; n++) {
      if (!sse.data(`tick ${n}`) || (pad !== "" && !sse.comment(pad))) {
        console.log(`feed: sse.data returned false after ${n} events: client gone, stopping`);
        return;
      }
    }
  },

  /**
   * The scaffold's feed: `tick N` every `?ms=M` milliseconds (a timer between events), until
   * `sse.data` returns false. Between events it waits on a timer, which its client's leaving
   * does not end: rusm must end it there (prompt teardown, exit `disconnected`).
   */
  async every(request: Request, _params: Params, sse: Sse): Promise<void> {
    const ms = Number(new URL(request.url).searchParams.get("ms") ?? 1000);
    for (let n = 0; ; n++) {
      if (!sse.data(`tick ${n}`)) return;
      await new Promise<void>((resolve) => setTimeout(resolve, ms));
    }
  },

  /** Ignores false and writes forever: a guest bug rusm must survive (it is killed). */
  deaf(_request: Request, _params: Params, sse: Sse): void {
    for (let n = 0; ; n++) sse.data(`tick ${n}`);
  },

  /** An HTTP action with params: `GET /users/:id` and `GET /users/:id/posts/:post`. */
  user(_request: Request, params: Params): Response {
    return Response.json({ id: params.get("id"), params: params.toJSON(), size: params.size });
  },

  /** Every field of the format: named events, multi-line data, id, retry, comments. */
  fields(_request: Request, _params: Params, sse: Sse): void {
    sse.comment("hello");
    sse.event("greeting", "line one\nline two");
    sse.data("with id", { id: "7" });
    sse.send({ event: "config", data: "{}", id: "8", retry: 2500 });
  },

  /**
   * The head before the first event: `?status=N` answers status N with no event (a refusal;
   * with CORS for any origin, so a page on another origin sees the status); else CORS for any
   * origin and a cache policy of its own, then one event.
   */
  head(request: Request, _params: Params, sse: Sse): void {
    const status = new URL(request.url).searchParams.get("status");
    if (status !== null) {
      sse.head({
        status: Number(status),
        headers: [
          ["x-refused", "yes"],
          ["access-control-allow-origin", "*"],
        ],
      });
      return;
    }
    sse.head({ headers: { "access-control-allow-origin": "*", "cache-control": "no-store" } });
    sse.data("hello");
  },

  /** Three events, then an exception: the body must end truncated and the exit be `trap`. */
  boom(_request: Request, _params: Params, sse: Sse): void {
    for (let n = 0; n < 3; n++) sse.data(`tick ${n}`);
    throw new Error("boom after 3 events");
  },

  /** An async HTTP action. */
  async later(request: Request, params: Params): Promise<Response> {
    const body = await request.text();
    return new Response(`later ${params.get("what")}: ${body.length} bytes\n`);
  },

  /** Throws before answering: 500 and `trap`. */
  fails(_request: Request, _params: Params): Response {
    throw new TypeError("fails before responding");
  },
};
