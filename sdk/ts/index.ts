/**
 * @module rusm/guest
 * The TypeScript SDK for rusm guests: the types a guest is written against. `rusm build`
 * bundles the runtime behind them (sdk/ts/runtime.ts) into the component.
 *
 * Two shapes (docs/guest-guide.md):
 *
 * ```ts
 * // (a) a plain wasi:http handler, routed by component name: "GET /ticks" = "ticks"
 * export default function handle(request: Request): Response { ... }
 *
 * // (b) handler modules, routed by "module#function": "GET /feed" = "api#feed"
 * export const api = {
 *   feed(req: Request, p: Params, sse: Sse) { for (let n = 0; ; n++) if (!sse.data(`tick ${n}`)) break; },
 *   user(req: Request, p: Params): Response { return new Response(`user ${p.get("id")}`); },
 *   // "GET /ws/echo" = "api#echo": a WebSocket action, marked with websocket()
 *   echo: websocket((req: Request, p: Params, ws: Ws) => { for (const m of ws) ws.send(m); }),
 * };
 * ```
 */
export { broker } from "./pubsub.js";
export { websocket } from "./websocket.js";
export type { Ws, WsClose, WsMessage } from "./websocket.js";
import type { Ws } from "./websocket.js";
export type { Broker, Message, Received } from "./pubsub.js";
import type { Message } from "./pubsub.js";

/** The route's parameters, from its pattern (`"GET /users/:id"` gives `id`). Read-only. */
export interface Params extends Iterable<[string, string]> {
  /** The value of `name`, percent-decoded; undefined when the pattern has no such parameter. */
  get(name: string): string | undefined;
  has(name: string): boolean;
  readonly size: number;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  /** `{ id: "42" }` */
  toJSON(): Record<string, string>;
}

/** Optional fields of an event. */
export interface SseFields {
  /** `id:` the id a reconnecting client sends back as `Last-Event-ID`. No line breaks. */
  id?: string;
  /** `retry:` how long a client waits before reconnecting, in milliseconds. */
  retry?: number;
}

/** Every field of one event, for {@link Sse.send}. */
export interface SseEvent extends SseFields {
  /** `event:` the event type; omit for `message`. No line breaks. */
  event?: string;
  /** `data:` the payload; each line becomes a `data:` line. */
  data: string;
}

/**
 * The open text/event-stream response of an SSE action. Every write blocks while the client
 * is behind (the process parks; nothing spins) and returns false once the client is gone:
 * stop then, and return.
 */
/** The response head an SSE action may choose before its first event ({@link Sse.head}). */
export interface SseHead {
  /** 200 to 599 (default 200). Anything but 2xx is a refusal a browser does not retry. */
  status?: number;
  /**
   * Headers besides `content-type: text/event-stream` (CORS, caching); `cache-control`
   * replaces rusm's `no-cache`. Not `content-type`, `content-length` or wasi:http's forbidden
   * headers.
   */
  headers?: Record<string, string> | Array<[string, string]> | Headers;
}

export interface Sse {
  /**
   * Sends the response head now, with `head`'s status and headers. Only before the first
   * event: the first write (or returning) sends the default head (200). Throws when the head
   * was sent already, or for an invalid head (the process then traps).
   */
  head(head: SseHead): void;
  /** `data: <data>`. False once the client is gone. */
  data(data: string, fields?: SseFields): boolean;
  /** `event: <name>` + `data: <data>`. False once the client is gone. */
  event(name: string, data: string, fields?: SseFields): boolean;
  /** Any event, every field. False once the client is gone. */
  send(event: SseEvent): boolean;
  /** `: <text>`, a comment clients ignore (heartbeats). False once the client is gone. */
  comment(text: string): boolean;
  /**
   * Live tail: forwards the messages of the topics this process subscribed to (`broker`)
   * until the stream is over. It waits on the mailbox (the process parks), writes `map(msg)`
   * as an event (a string is the data; an object is sent with its fields, so `(msg) => msg`
   * sends `msg.data`; undefined or null skips the message), and writes a `:` heartbeat
   * comment whenever `heartbeatMs` passes with nothing. Returns when a write fails (the client
   * is gone), or the broker dropped this subscriber. Without `map`, each message's data is
   * sent as it is.
   */
  run(heartbeatMs: number, map?: (message: Message) => string | SseEvent | undefined | null): void;
  /** False once a write returned false or the stream was finished. */
  readonly open: boolean;
  /** Ends the stream cleanly now (returning from the action does it too). */
  finish(): void;
}

/** A 2-argument handler: answers one HTTP request. */
export type HttpAction = (request: Request, params: Params) => Response | Promise<Response>;

/** A 3-argument handler: streams Server-Sent Events for the life of the connection. */
export type SseAction = (request: Request, params: Params, sse: Sse) => void | Promise<void>;

/**
 * A 3-argument handler marked with `websocket(...)`: talks over one WebSocket for the life of
 * the connection (routed on upgrade requests; a plain request gets 426).
 */
export type WebSocketAction = (request: Request, params: Params, ws: Ws) => void | Promise<void>;
/** An exported object of handlers, routed as `<export name>#<function name>`. */
export type HandlerModule = Record<string, HttpAction | SseAction | WebSocketAction>;

/** The default export of the plain shape. */
export type Handle = (request: Request) => Response | Promise<Response>;
