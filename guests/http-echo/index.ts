/**
 * http-echo: answers 200 with a JSON echo of the request (method, url, headers, body) and the
 * response header `x-rusm-guest: echo`. A StarlingMonkey (componentize-js) fetch-event guest;
 * `FetchEvent` and `addEventListener` are typed in sdk/ts/fetch-event.d.ts (the SDK).
 */

async function handle(request: Request): Promise<Response> {
  const echo = {
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body: await request.text(),
  };
  return new Response(JSON.stringify(echo), {
    status: 200,
    headers: { "content-type": "application/json", "x-rusm-guest": "echo" },
  });
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
