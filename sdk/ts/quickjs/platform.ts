/**
 * @module rusm/guest/quickjs/platform
 * What StarlingMonkey provides and QuickJS lacks, for the QuickJS backend: the
 * subset of the web platform rusm's SDK and its guests use, over the engine's natives:
 * `console`, timers, `queueMicrotask`, `TextEncoder`/`TextDecoder`, `URL`/`URLSearchParams`,
 * `Headers`, `Request`, `Response`, a pull-based `ReadableStream`, and the fetch event
 * (`addEventListener("fetch")`), plus the two hooks engine.c calls: `__rusm_dispatch` (a
 * request arrived) and `__rusm_timers` (run due timers, say when the next is due).
 *
 * Not covered: fetch() (no binding to wasi:http/outgoing-handler yet; docs/outbound.md),
 * Blob/FormData, streams other than
 * a default ReadableStream with start/pull, Web Crypto, structuredClone.
 */
// In this order: each part defines globals the later ones may use at their top level.
import "./platform/console.js";
import "./platform/text.js";
import "./platform/url.js";
import "./platform/streams.js";
import "./platform/fetch.js";
import "./platform/event.js";
