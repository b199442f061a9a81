/**
 * sse-ts-feed: a text/event-stream whose body is a ReadableStream: each `pull` enqueues
 * `data: tick N\n\n`. With `?n=K` the stream closes after K events, otherwise it never ends
 * and is paced by the runtime's back-pressure. A StarlingMonkey fetch-event guest.
 */

function handle(request: Request): Response {
  const limit = new URL(request.url, "http://localhost").searchParams.get("n");
  const max = limit === null ? Infinity : Number(limit);
  const encoder = new TextEncoder();
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (n >= max) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`data: tick ${n++}\n\n`));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
