/**
 * http-fetch-upstream: calls an upstream with `fetch()` (wasi:http/outgoing-handler) and
 * answers from what it got. The upstream's URL is the query's `u` parameter; the path says how:
 *
 * - `/json`: GETs `u`, parses its JSON, answers `{ status, upstream }` (or 502 `error: ...`).
 * - `/post`: POSTs this request's body to `u` as a stream, streams the upstream's body back.
 * - `/proxy`: GETs `u`, streams its status and body back as they arrive (the bench's proxy).
 * - `/sse`: GETs `u` (a text/event-stream), forwards each event with its data upper-cased.
 * - `/pair`: GETs `u` twice at once, answers each outcome (`200` or `error`), comma-separated.
 *
 * A failed fetch answers 502 with the error; a body that fails midway errors the response
 * stream (the client sees a truncated body).
 */

function upstreamOf(request: Request): string {
  const u = new URL(request.url).searchParams.get("u");
  if (u === null) throw new Error("no ?u= upstream");
  return u;
}

async function json(u: string): Promise<Response> {
  const res = await fetch(u, { headers: { accept: "application/json" } });
  const upstream: unknown = await res.json();
  return Response.json({ status: res.status, upstream });
}

async function post(request: Request, u: string): Promise<Response> {
  const res = await fetch(u, {
    method: "POST",
    body: request.body,
    headers: { "content-type": "application/octet-stream" },
    // @ts-expect-error: `duplex` is in the fetch standard, not in TypeScript's lib yet.
    duplex: "half",
  });
  return new Response(res.body, { status: res.status });
}

async function proxy(u: string): Promise<Response> {
  const res = await fetch(u);
  return new Response(res.body, {
    status: res.status,
    headers: { "content-type": res.headers.get("content-type") ?? "application/octet-stream" },
  });
}

/** Splits an event stream into events and upper-cases each `data:` line. */
function transformEvents(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffered = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end !== -1) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const lines = event
          .split("\n")
          .map((line) =>
            line.startsWith("data:") ? line.toUpperCase().replace("DATA:", "data:") : line,
          );
        controller.enqueue(encoder.encode(`${lines.join("\n")}\n\n`));
        end = buffered.indexOf("\n\n");
      }
    },
  });
}

async function sse(u: string): Promise<Response> {
  const res = await fetch(u, { headers: { accept: "text/event-stream" } });
  if (res.body === null) return new Response("no body\n", { status: 502 });
  return new Response(res.body.pipeThrough(transformEvents()), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

async function pair(u: string): Promise<Response> {
  const outcomes = await Promise.all(
    [0, 1].map((i) =>
      fetch(`${u}${u.includes("?") ? "&" : "?"}i=${i}`).then(
        async (res) => `${res.status}:${(await res.text()).length}`,
        () => "error",
      ),
    ),
  );
  return new Response(outcomes.join(","));
}

async function handle(request: Request): Promise<Response> {
  try {
    const u = upstreamOf(request);
    const path = new URL(request.url).pathname;
    if (path.endsWith("/json")) return await json(u);
    if (path.endsWith("/post")) return await post(request, u);
    if (path.endsWith("/proxy")) return await proxy(u);
    if (path.endsWith("/sse")) return await sse(u);
    if (path.endsWith("/pair")) return await pair(u);
    return new Response("unknown path\n", { status: 404 });
  } catch (err) {
    return new Response(`error: ${String(err)}\n`, { status: 502 });
  }
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
