/**
 * http-fetch-denied: tries an outgoing `fetch()` (wasi:http/outgoing-handler), which rusm denies
 * (its component lists no `allow-outbound`),
 * and answers 502 with the error it got, or 200 if the request was (wrongly) let through.
 */

async function handle(): Promise<Response> {
  try {
    await fetch("http://127.0.0.1:9/");
    return new Response("the outgoing request was allowed\n", { status: 200 });
  } catch (err) {
    return new Response(`denied: ${String(err)}\n`, { status: 502 });
  }
}

addEventListener("fetch", (event) => event.respondWith(handle()));
