/**
 * sm-throws: an async handler that throws. StarlingMonkey catches the rejection, prints it on
 * stderr, writes a 500 response itself and returns from `handle` without finishing its body;
 * the client must still get that 500 whole, as under `wasmtime serve`. A StarlingMonkey
 * (componentize-js) fetch-event guest; `FetchEvent` and `addEventListener` are typed in
 * sdk/ts/fetch-event.d.ts.
 */

async function handle(request: Request): Promise<Response> {
  await Promise.resolve();
  throw new Error(`sm-throws: no answer for ${new URL(request.url).pathname}`);
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
