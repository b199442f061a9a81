/**
 * @module rusm/guest/runtime
 * What `rusm build` bundles around a guest's entry module: it reads the entry's exports once
 * (when the component is snapshotted), answers the manifest export with its handler modules,
 * and serves each request through StarlingMonkey's fetch event:
 *
 * - routed to `module#function` (context.target()): a WebSocket action (marked with
 *   `websocket()`) gets its socket; an SSE action (3 parameters) gets an open event stream;
 *   an HTTP action (fewer) answers with its Response;
 * - routed to the component by name: the default export `handle(request)` answers.
 *
 * Crashes trap: an exception out of a handler, a rejected promise it returned, or an
 * exception (or `controller.error`) in a ReadableStream source calls `process.abort`, so the
 * process ends as `trap` with a truncated body, as the seed's crash row has it.
 * StarlingMonkey alone would finish the body cleanly.
 */
import { target } from "rusm:guest/context@0.1.0";
import { abort } from "rusm:guest/process@0.1.0";
import { open, openWith, type EventStream } from "rusm:guest/sse@0.1.0";
import type { Handle, Params, Sse, SseEvent, SseFields, SseHead } from "./index.ts";
import { milliseconds, type Message } from "./pubsub.js";
import { GuestWs, WEBSOCKET_KIND } from "./websocket.js";

type Kind = "http" | "sse" | "websocket";
type AnyHandler = (this: unknown, ...args: unknown[]) => unknown;

interface ModuleEntry {
  readonly object: Record<string, unknown>;
  readonly handlers: Map<string, { fn: AnyHandler; kind: Kind }>;
}

/** What the manifest export returns (wit/manifest.wit). */
interface ManifestModule {
  name: string;
  handlers: Array<{ name: string; kind: Kind }>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

function describe(err: unknown): string {
  if (err instanceof Error) {
    const stack = err.stack?.trim();
    return `${err.name}: ${err.message}${stack ? `\n${stack}` : ""}`;
  }
  return `a thrown ${typeof err}: ${String(err)}`;
}

/** Ends the process as a crash: "`where` `how` `err`". Never returns. */
function crash(where: string, err: unknown, how = "threw"): never {
  abort(`${where} ${how} ${describe(err)}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

class RouteParams implements Params {
  readonly #map: Map<string, string>;

  constructor(entries: Iterable<[string, string]>) {
    this.#map = new Map(entries);
  }

  get(name: string): string | undefined {
    return this.#map.get(name);
  }

  has(name: string): boolean {
    return this.#map.has(name);
  }

  get size(): number {
    return this.#map.size;
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  values(): IterableIterator<string> {
    return this.#map.values();
  }

  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.#map);
  }
}

/** `SseHead.headers` as the WIT's list of pairs. */
function headerPairs(headers: SseHead["headers"]): Array<[string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [String(k), String(v)]);
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    const pairs: Array<[string, string]> = [];
    headers.forEach((v, k) => pairs.push([k, v]));
    return pairs;
  }
  return Object.entries(headers).map(([k, v]) => [k, String(v)]);
}

class EventStreamSse implements Sse {
  #opened: EventStream | null = null;
  #open = true;

  /** The stream, its head sent with the default (200) on first use. */
  get #stream(): EventStream {
    this.#opened ??= open();
    return this.#opened;
  }

  head(head: SseHead): void {
    if (this.#opened !== null)
      throw new Error("sse.head: the head was sent already (by an earlier event)");
    this.#opened = openWith({ status: head.status ?? 200, headers: headerPairs(head.headers) });
  }

  get open(): boolean {
    return this.#open;
  }

  data(data: string, fields?: SseFields): boolean {
    if (fields === undefined) return this.#track(this.#stream.data(String(data)));
    return this.send({ ...fields, data });
  }

  event(name: string, data: string, fields?: SseFields): boolean {
    if (fields === undefined) return this.#track(this.#stream.event(String(name), String(data)));
    return this.send({ ...fields, event: name, data });
  }

  send(event: SseEvent): boolean {
    return this.#track(
      this.#stream.send({
        name: event.event,
        data: String(event.data),
        id: event.id,
        retry: event.retry,
      }),
    );
  }

  comment(text: string): boolean {
    return this.#track(this.#stream.comment(String(text)));
  }

  run(heartbeatMs: number, map?: (message: Message) => string | SseEvent | undefined | null) {
    const ms = milliseconds("sse.run's heartbeat", heartbeatMs);
    if (!this.#open) return;
    if (map === undefined) {
      // The whole loop in the host: one call until the stream is over.
      this.#stream.run(ms);
      this.#open = false;
      return;
    }
    for (;;) {
      const next = this.#stream.next(ms);
      if (next === undefined) {
        this.#open = false;
        return;
      }
      const out = map({ topic: next.topic, data: next.data });
      if (out === undefined || out === null) continue;
      if (!(typeof out === "string" ? this.data(out) : this.send(out))) return;
    }
  }

  finish(): void {
    this.#open = false;
    this.#stream.finish();
  }

  #track(accepted: boolean): boolean {
    if (!accepted) this.#open = false;
    return accepted;
  }
}

/**
 * Makes every ReadableStream source's failure a crash: an exception out of `start`/`pull`
 * (or a rejected promise) and `controller.error(e)` abort the process instead of ending the
 * body cleanly.
 */
function guardReadableStreams(): void {
  const Native = globalThis.ReadableStream;
  type Source = UnderlyingDefaultSource<unknown>;
  type Controller = ReadableStreamDefaultController<unknown>;
  const guardController = (controller: Controller): Controller => {
    controller.error = (reason?: unknown) =>
      crash("a ReadableStream", reason, "was errored (controller.error) with");
    return controller;
  };
  const guard = (name: "start" | "pull", fn: (c: Controller) => unknown, self: Source) => {
    return (controller: Controller): unknown => {
      let result: unknown;
      try {
        result = fn.call(self, guardController(controller));
      } catch (err) {
        crash(`a ReadableStream's ${name}`, err);
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(undefined, (err: unknown) =>
          crash(`a ReadableStream's ${name}`, err),
        );
      }
      return result;
    };
  };
  class GuardedReadableStream<R> extends Native<R> {
    constructor(source?: UnderlyingDefaultSource<R>, strategy?: QueuingStrategy<R>) {
      if (source === undefined || source === null) {
        super(source, strategy);
        return;
      }
      const wrapped: UnderlyingDefaultSource<R> = Object.create(source) as Source;
      type Hook = NonNullable<UnderlyingDefaultSource<R>["pull"]>;
      if (typeof source.start === "function") {
        wrapped.start = guard("start", source.start as (c: Controller) => unknown, source) as Hook;
      }
      if (typeof source.pull === "function") {
        wrapped.pull = guard("pull", source.pull, source) as Hook;
      }
      super(wrapped, strategy);
    }
  }
  globalThis.ReadableStream = GuardedReadableStream as typeof ReadableStream;
}

/** A handler's kind: marked by websocket(), else by its parameters (3: SSE). */
function kindOf(fn: AnyHandler): Kind {
  if ((fn as unknown as Record<symbol, unknown>)[WEBSOCKET_KIND] === true) return "websocket";
  return fn.length >= 3 ? "sse" : "http";
}

function findModules(entry: Record<string, unknown>): Map<string, ModuleEntry> {
  const modules = new Map<string, ModuleEntry>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === "default" || value === null || typeof value !== "object") continue;
    const object = value as Record<string, unknown>;
    const handlers = new Map<string, { fn: AnyHandler; kind: Kind }>();
    for (const [fnName, fn] of Object.entries(object)) {
      if (typeof fn !== "function") continue;
      if (!NAME.test(fnName)) {
        throw new Error(
          `rusm: handler "${name}.${fnName}" cannot be routed: a handler name is a letter, then letters, digits, "_" or "-"`,
        );
      }
      handlers.set(fnName, { fn: fn as AnyHandler, kind: kindOf(fn as AnyHandler) });
    }
    if (handlers.size === 0) continue;
    if (!NAME.test(name)) {
      throw new Error(
        `rusm: handler module "${name}" cannot be routed: a module name is a letter, then letters, digits, "_" or "-"`,
      );
    }
    modules.set(name, { object, handlers });
  }
  return modules;
}

function findHandle(value: unknown): Handle | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "function") return value as Handle;
  const fetch: unknown =
    typeof value === "object" && value !== null && "fetch" in value ? value.fetch : undefined;
  if (typeof fetch === "function") return (request) => (fetch as Handle).call(value, request);
  throw new Error(
    "rusm: the default export must be a function handle(request: Request): Response (or { fetch(request) })",
  );
}

/** A placeholder for the fetch event once an SSE action has answered through sse.open. */
function answered(): Response {
  return new Response(null, { status: 204 });
}

function checkResponse(where: string, value: unknown): Response {
  if (value instanceof Response) return value;
  crash(where, new TypeError(`returned ${value === null ? "null" : typeof value}, not a Response`));
}

function respond(event: FetchEvent, where: string, result: unknown): void {
  if (isThenable(result)) {
    event.respondWith(
      Promise.resolve(result).then(
        (value) => checkResponse(where, value),
        (err: unknown) => crash(where, err),
      ),
    );
  } else {
    event.respondWith(checkResponse(where, result));
  }
}

function runSse(event: FetchEvent, where: string, fn: AnyHandler, self: unknown, params: Params) {
  const sse = new EventStreamSse();
  let result: unknown;
  try {
    result = fn.call(self, event.request, params, sse);
  } catch (err) {
    crash(where, err);
  }
  if (isThenable(result)) {
    event.respondWith(
      Promise.resolve(result).then(
        () => {
          sse.finish();
          return answered();
        },
        (err: unknown) => crash(where, err),
      ),
    );
    return;
  }
  sse.finish();
  event.respondWith(answered());
}

/**
 * Runs a WebSocket action: its socket is accepted on first use (or by `ws.accept(protocol)`);
 * an action that returns without using it still completes the handshake, and rusm closes the
 * socket with 1000 once the process ends (1011 on a crash).
 */
function runWebSocket(
  event: FetchEvent,
  where: string,
  fn: AnyHandler,
  self: unknown,
  params: Params,
) {
  const ws = new GuestWs();
  const done = (): Response => {
    if (!ws.accepted) ws.accept();
    return answered();
  };
  let result: unknown;
  try {
    result = fn.call(self, event.request, params, ws);
  } catch (err) {
    crash(where, err);
  }
  if (isThenable(result)) {
    event.respondWith(Promise.resolve(result).then(done, (err: unknown) => crash(where, err)));
    return;
  }
  event.respondWith(done());
}

/**
 * Serves `entry` (the guest's module namespace). Runs once, at build time (wizer snapshot).
 * @returns the `rusm:guest/manifest` export.
 */
export function serve(entry: Record<string, unknown>, entryName: string) {
  const handle = findHandle(entry["default"]);
  const modules = findModules(entry);
  if (handle === undefined && modules.size === 0) {
    throw new Error(
      `rusm: ${entryName} exports no handler: add \`export default function handle(request: Request): Response\`, or handler modules such as \`export const api = { feed(req, params, sse) { ... } }\``,
    );
  }
  guardReadableStreams();
  const manifest: ManifestModule[] = [...modules].map(([name, module]) => ({
    name,
    handlers: [...module.handlers].map(([fnName, h]) => ({ name: fnName, kind: h.kind })),
  }));

  addEventListener("fetch", (event) => {
    const routed = target();
    if (routed === undefined) {
      if (handle === undefined) {
        const names = manifest.flatMap((m) => m.handlers.map((h) => `${m.name}#${h.name}`));
        abort(
          `this component has no default export handle(request), so it cannot be routed by component name; route one of its handlers instead: ${names.join(", ")}`,
        );
      }
      let result: unknown;
      try {
        result = handle(event.request);
      } catch (err) {
        crash("handle", err);
      }
      respond(event, "handle", result);
      return;
    }
    const where = `${routed.module}#${routed.function}`;
    const module = modules.get(routed.module);
    const handler = module?.handlers.get(routed.function);
    if (module === undefined || handler === undefined) {
      abort(`${where} is not a handler of this component`);
    }
    const params = new RouteParams(routed.params);
    if (handler.kind === "sse") {
      runSse(event, where, handler.fn, module.object, params);
      return;
    }
    if (handler.kind === "websocket") {
      runWebSocket(event, where, handler.fn, module.object, params);
      return;
    }
    let result: unknown;
    try {
      result = handler.fn.call(module.object, event.request, params);
    } catch (err) {
      crash(where, err);
    }
    respond(event, where, result);
  });

  return { modules: (): ManifestModule[] => manifest };
}
