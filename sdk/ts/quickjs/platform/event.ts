/**
 * @module rusm/guest/quickjs/platform/event
 * The fetch event (`addEventListener("fetch")`) and the hook engine.c calls when a request
 * arrives, `__rusm_dispatch`; the response writer.
 */
import { PRequest, PResponse, bytesOf } from "./fetch.js";
import { g, show } from "./global.js";
import { PReadableStream } from "./streams.js";
import { utf8 } from "./text.js";

type Listener = (event: {
  request: Request;
  respondWith(r: Response | Promise<Response>): void;
}) => void;

let listener: Listener | null = null;
g["addEventListener"] = (type: string, fn: Listener) => {
  if (type === "fetch") listener = fn;
};

async function send(response: PResponse): Promise<void> {
  const raw = response.rawBody;
  const headers = response.headers.raw();
  // A body of known length goes out with its content-length, as StarlingMonkey sends it.
  let once: Uint8Array | string | null = null;
  if (typeof raw === "string" || raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    once = typeof raw === "string" ? raw : await bytesOf(raw);
    const length = typeof once === "string" ? utf8(once).length : once.length;
    if (!response.headers.has("content-length")) headers.push(["content-length", String(length)]);
  }
  __rusm.respond(response.status, headers);
  if (once !== null) {
    if (once.length > 0) __rusm.write(once);
  } else if (raw instanceof PReadableStream) {
    const reader = raw.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = typeof value === "string" ? value : (value as ArrayBufferView);
      if (!__rusm.write(chunk)) {
        await reader.cancel("the client is gone");
        break;
      }
    }
  }
  __rusm.finish();
}

g["__rusm_dispatch"] = () => {
  if (listener === null) __rusm.abort("the guest registered no fetch handler");
  const [method, authority, path, headers] = __rusm.request();
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new PRequest(`http://${authority}${path}`, {
    method,
    headers,
    body: hasBody ? () => __rusm.body() : null,
  });
  listener({
    request: request as unknown as Request,
    respondWith(r: Response | Promise<Response>) {
      Promise.resolve(r)
        .then((res) => send(res as unknown as PResponse))
        .catch((err: unknown) => __rusm.abort(`the response failed: ${show(err)}`));
    },
  });
};
