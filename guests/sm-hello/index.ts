/**
 * sm-hello: answers every request with 200 `content-type: text/plain` and the body
 * `hello from starlingmonkey\n`. The StarlingMonkey counterpart of http-hello (WAT): the
 * smallest JS guest, measured by scripts/bench/sm-hello. A StarlingMonkey (componentize-js)
 * fetch-event guest; `FetchEvent` and `addEventListener` are typed in sdk/ts/fetch-event.d.ts
 * (the SDK).
 */

const BODY = "hello from starlingmonkey\n";

addEventListener("fetch", (event) =>
  event.respondWith(new Response(BODY, { headers: { "content-type": "text/plain" } })),
);
