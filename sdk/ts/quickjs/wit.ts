/**
 * @module rusm/guest/quickjs/wit
 * The rusm:guest and rusm:pubsub interfaces as ES modules for the QuickJS backend: what
 * componentize-js generates for StarlingMonkey (sdk/ts/wit.d.ts), written over the engine's
 * natives. The build maps every `rusm:*` import of the SDK runtime here, so sdk/ts/runtime.ts
 * and sdk/ts/pubsub.ts run unchanged on both engines.
 */
import type { HandlerTarget } from "rusm:guest/context@0.1.0";
import type { Event } from "rusm:guest/sse@0.1.0";
import type { Message, Received } from "rusm:pubsub/mailbox@0.1.0";
import type { Incoming } from "rusm:guest/websocket@0.1.0";

/** rusm:guest/context `target`. */
export function target(): HandlerTarget | undefined {
  const t = __rusm.target();
  if (t === null) return undefined;
  return { module: t[0], function: t[1], params: t[2], route: t[3] };
}

/**
 * rusm:guest/process `abort`: never returns. QuickJS's stack frames (`    at fn (guest.js:12)`)
 * are written as StarlingMonkey writes them (`fn@guest.js:12`), so crash logs read the same.
 */
export function abort(message: string): never {
  return __rusm.abort(String(message).replace(/^ *at (.+?) \((.+:\d+|native)\)$/gm, "$1@$2"));
}

/** rusm:guest/sse `event-stream`. */
export class EventStream {
  readonly #h: number;
  constructor(handle: number) {
    this.#h = handle;
  }
  data(data: string): boolean {
    return __rusm.sse(0, this.#h, data) as boolean;
  }
  event(name: string, data: string): boolean {
    return __rusm.sse(1, this.#h, name, data) as boolean;
  }
  send(ev: Event): boolean {
    return __rusm.sse(2, this.#h, ev.name, ev.data, ev.id, ev.retry) as boolean;
  }
  comment(text: string): boolean {
    return __rusm.sse(3, this.#h, text) as boolean;
  }
  next(heartbeatMs: number): Message | undefined {
    const m = __rusm.sse(4, this.#h, heartbeatMs) as [string, string] | null;
    return m === null ? undefined : { topic: m[0], data: m[1] };
  }
  run(heartbeatMs: number): void {
    __rusm.sse(5, this.#h, heartbeatMs);
  }
  finish(): void {
    __rusm.sse(6, this.#h);
  }
}

/** rusm:guest/sse `open`. */
export function open(): EventStream {
  return new EventStream(__rusm.sseOpen());
}

/** rusm:guest/sse `record head`. */
export interface Head {
  status: number;
  headers: Array<[string, string]>;
}

/** rusm:guest/sse `open-with`. */
export function openWith(head: Head): EventStream {
  return new EventStream(__rusm.sseOpenWith(head.status, head.headers));
}

/** rusm:pubsub/broker. */
export function subscribe(topic: string): void {
  __rusm.broker(0, topic);
}
export function unsubscribe(topic: string): void {
  __rusm.broker(1, topic);
}
export function publish(topic: string, data: string): number {
  return __rusm.broker(2, topic, data) as number;
}

/** rusm:pubsub/mailbox `receive`. */
export function receive(timeoutMs: number): Received {
  const r = __rusm.broker(3, timeoutMs) as [number, string?, string?];
  if (r[0] === 0) return { tag: "message", val: { topic: r[1]!, data: r[2]! } };
  return r[0] === 1 ? { tag: "timeout" } : { tag: "closed" };
}

/**
 * rusm:guest/websocket: not on the QuickJS backend yet (its natives are C, in engine.c, and
 * have no WebSocket calls). A WebSocket action built with `--engine quickjs` crashes with this
 * message at its first use; no socket can be accepted, so none of these methods is reached.
 */
const NO_WEBSOCKET =
  "WebSockets are not available on the QuickJS engine yet: build this guest with StarlingMonkey";
export class Websocket {
  protocol(): string | undefined {
    return abort(NO_WEBSOCKET);
  }
  recv(): Incoming {
    return abort(NO_WEBSOCKET);
  }
  sendText(text: string): boolean {
    return abort(`${NO_WEBSOCKET} (sendText, ${text.length} characters)`);
  }
  sendBinary(data: Uint8Array): boolean {
    return abort(`${NO_WEBSOCKET} (sendBinary, ${data.length} bytes)`);
  }
  close(code: number, reason: string): void {
    abort(`${NO_WEBSOCKET} (close ${code} ${reason})`);
  }
  run(heartbeatMs: number): Incoming {
    return abort(`${NO_WEBSOCKET} (run, heartbeat ${heartbeatMs} ms)`);
  }
}
export function offeredProtocols(): string[] {
  return abort(NO_WEBSOCKET);
}
export function accept(protocol: string | undefined): Websocket {
  return abort(`${NO_WEBSOCKET} (accept ${protocol ?? "without a subprotocol"})`);
}
