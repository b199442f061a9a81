/**
 * ts-plain-feed: the seed's plain wasi:http TypeScript shape, as `rusm build` builds it: the
 * default export answers with a ReadableStream whose `pull` enqueues `data: tick N`.
 * `?n=K`: the controller closes after K events (a clean end). `?fail=K`: `pull` throws at
 * event K; `?error=K`: `pull` calls `controller.error` at event K (both crashes: truncated
 * body, exit `trap`). None of them: endless, paced by back-pressure.
 *
 * Built with both engines (scripts/build-guests.ts: `<name>.qjs.wasm` for QuickJS):
 * @engines starlingmonkey quickjs
 */
export default function handle(request: Request): Response {
  const query = new URL(request.url).searchParams;
  const max = Number(query.get("n") ?? Infinity);
  const failAt = Number(query.get("fail") ?? Infinity);
  const errorAt = Number(query.get("error") ?? Infinity);
  const enc = new TextEncoder();
  let n = 0;
  const body = new ReadableStream({
    pull(c) {
      if (n === failAt) throw new Error(`pull failed at event ${n}`);
      if (n === errorAt) {
        c.error(new RangeError(`errored at event ${n}`));
        return;
      }
      if (n >= max) {
        c.close();
        return;
      }
      c.enqueue(enc.encode(`data: tick ${n++}\n\n`));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
