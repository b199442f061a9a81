/**
 * @module rusm-guest/sse
 * `rusm:guest/sse@0.1.0`: a text/event-stream response written event by event
 * (wit/sse.wit). The events go through the same bounded {@link ByteChannel} as a wasi:http
 * body: a write that does not fit parks the process until the socket drains.
 */
import { ByteChannel, ChannelClosed } from "../stream/channel.ts";
import { writeAll } from "../stream/write-all.ts";
import { formatComment, formatEvent, SseFieldError, type SseEvent } from "../sse/event.ts";
import { blockingCall } from "../wasi/blocking.ts";
import { trap } from "../wasi/errors.ts";
import { FORBIDDEN_HEADERS, isFieldName, isFieldValue } from "../wasi/http/fields.ts";
import type { Message } from "../lifecycle/signal.ts";
import type { PubSubContext } from "../rusm-pubsub/context.ts";
import { witMessage } from "../rusm-pubsub/mailbox.ts";
import type { Wait } from "../wasi/blocking.ts";

const HEAD: Array<[string, Uint8Array]> = [
  ["content-type", new TextEncoder().encode("text/event-stream")],
  ["cache-control", new TextEncoder().encode("no-cache")],
];

const encoder = new TextEncoder();

/**
 * A published message as a data event, encoded once per message, not once per subscriber: the
 * broker hands every subscriber the same Message object. Shared bytes are safe because a
 * channel never writes into what it is given (see stream/write-all.ts).
 */
const dataEvents = new WeakMap<Message, Uint8Array>();
function dataEvent(message: Message): Uint8Array {
  let bytes = dataEvents.get(message);
  if (bytes === undefined) {
    bytes = encoder.encode(formatEvent({ data: message.data }));
    dataEvents.set(message, bytes);
  }
  return bytes;
}

/** A write that found the channel closed or ended is false; anything else is rethrown. */
function notClosed(err: unknown): false {
  if (err instanceof ChannelClosed) return false;
  throw err;
}

/** The heartbeat of a live tail: a bare comment line, which clients ignore. */
const HEARTBEAT = encoder.encode(":\n");

/** WIT: `record event` as jco lifts it (`option` fields are `undefined` when none). */
interface WitEvent {
  name?: string | undefined;
  data: string;
  id?: string | undefined;
  retry?: number | undefined;
}

/** WIT: `resource event-stream` */
export class EventStream {
  readonly #ctx: PubSubContext;
  readonly #channel: ByteChannel;

  /** Host-only constructor: made by `open`. */
  constructor(ctx: PubSubContext, channel: ByteChannel) {
    this.#ctx = ctx;
    this.#channel = channel;
  }

  /** WIT: `data: func(data: string) -> bool;` Parks while the channel is full. */
  data(data: string): boolean | Promise<boolean> {
    return this.#write(() => formatEvent({ data }));
  }

  /** WIT: `event: func(name: string, data: string) -> bool;` Traps: a line break in `name`. */
  event(name: string, data: string): boolean | Promise<boolean> {
    return this.#write(() => formatEvent({ name, data }));
  }

  /** WIT: `send: func(ev: event) -> bool;` Traps: a line break in the name or id. */
  send(ev: WitEvent): boolean | Promise<boolean> {
    const event: SseEvent = { name: ev.name, data: ev.data, id: ev.id, retry: ev.retry };
    return this.#write(() => formatEvent(event));
  }

  /** WIT: `comment: func(text: string) -> bool;` */
  comment(text: string): boolean | Promise<boolean> {
    return this.#write(() => formatComment(text));
  }

  /**
   * WIT: `next: func(heartbeat-ms: u32) -> option<message>;` Waits on the mailbox, writing a
   * heartbeat each time `heartbeatMs` passes with nothing; none when the stream is over.
   */
  next(
    heartbeatMs: number,
  ):
    | { topic: string; data: string }
    | undefined
    | Promise<{ topic: string; data: string } | undefined> {
    return blockingCall(this.#ctx, async (wait) => {
      const message = await this.#next(heartbeatMs, wait);
      return message === undefined ? undefined : witMessage(message);
    });
  }

  /** WIT: `run: func(heartbeat-ms: u32);` Forwards each message as a data event until the end. */
  run(heartbeatMs: number): void | Promise<void> {
    return blockingCall(this.#ctx, async (wait) => {
      for (;;) {
        const message = await this.#next(heartbeatMs, wait);
        if (message === undefined) return;
        if (!(await this.#push(dataEvent(message), wait))) {
          return;
        }
        // Many queued messages never wait: let the event loop turn now and then.
        if (this.#ctx.mailbox.size > 0) await this.#ctx.resume();
      }
    });
  }

  /** WIT: `finish: func();` Idempotent; a finished stream's writes return false. */
  finish(): void {
    if (!this.#channel.ended) this.#channel.finish();
  }

  /**
   * Writes the formatted bytes, in permit-sized pieces, parking while the channel is full.
   * Returns false as soon as the channel is closed (client gone) or ended (finished).
   */
  #write(format: () => string): boolean | Promise<boolean> {
    return blockingCall(this.#ctx, (wait) => {
      let bytes: Uint8Array;
      try {
        bytes = encoder.encode(format());
      } catch (err) {
        if (err instanceof SseFieldError) trap(err.message);
        throw err;
      }
      return this.#push(bytes, wait);
    });
  }

  /**
   * Queues `bytes` in permit-sized pieces, parking while the channel is full: true when all of
   * it is queued, false once the channel is closed or ended. Synchronous (no promise) when
   * everything fits at once: the guest then does not suspend.
   */
  #push(bytes: Uint8Array, wait: Wait): boolean | Promise<boolean> {
    const channel = this.#channel;
    let written: void | Promise<void>;
    try {
      written = writeAll(channel, bytes, () => wait(channel.ready()));
    } catch (err) {
      return notClosed(err);
    }
    return written === undefined ? true : written.then(() => true, notClosed);
  }

  /**
   * The next mailbox message, with heartbeats while there is none; undefined once the stream
   * is over (finished, client gone, a heartbeat failed, or the mailbox was closed).
   */
  async #next(heartbeatMs: number, wait: Wait): Promise<Message | undefined> {
    const mailbox = this.#ctx.mailbox;
    for (;;) {
      if (this.#channel.ended) return undefined;
      const received =
        mailbox.poll() ??
        (await wait(mailbox.next(heartbeatMs, (cancel) => this.#channel.onClose(cancel))));
      switch (received.kind) {
        case "message":
          return received.message;
        case "closed":
          return undefined;
        case "timeout":
          // Also how a client leaving is noticed while waiting: onClose ends the wait.
          if (this.#channel.ended || !(await this.#push(HEARTBEAT, wait))) return undefined;
      }
    }
  }
}

/** WIT: `record head` */
interface WitHead {
  status: number;
  headers: Array<[string, string]>;
}

/** Headers rusm writes itself for every stream: the guest may not set them. */
const OWN_HEADERS = new Set(["content-type", "content-length"]);

/** `head` as the response's status and header list, or a trap saying what is wrong. */
function headOf(head: WitHead): { status: number; fields: Array<[string, Uint8Array]> } {
  if (!Number.isInteger(head.status) || head.status < 200 || head.status > 599) {
    trap(`sse.open-with: status ${head.status} is not from 200 to 599`);
  }
  const fields: Array<[string, Uint8Array]> = [];
  let cacheControl = false;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    const bytes = encoder.encode(value);
    if (!isFieldName(name)) trap(`sse.open-with: ${JSON.stringify(name)} is not a header name`);
    if (FORBIDDEN_HEADERS.has(lower) || OWN_HEADERS.has(lower)) {
      trap(`sse.open-with: the header ${lower} is rusm's to set, not the guest's`);
    }
    if (!isFieldValue(bytes)) trap(`sse.open-with: the value of ${lower} is not a header value`);
    if (lower === "cache-control") cacheControl = true;
    fields.push([lower, bytes]);
  }
  return {
    status: head.status,
    fields: [...HEAD.filter(([n]) => !cacheControl || n !== "cache-control"), ...fields],
  };
}

/** The per-process `rusm:guest/sse` import. */
export function sse(ctx: PubSubContext): object {
  const openWith = (status: number, fields: Array<[string, Uint8Array]>): EventStream => {
    if (ctx.exchange.responded) trap("sse.open: the process has already responded");
    const channel = new ByteChannel(ctx.bodyBufferBytes, (n) => ctx.exchange.onBodyBytes(n));
    ctx.exchange.respond(status, fields, channel);
    return new EventStream(ctx, channel);
  };
  return {
    EventStream,
    /**
     * WIT: `open: func() -> event-stream;` Sends the head (200, text/event-stream).
     * Traps: when the process has already responded.
     */
    open(): EventStream {
      return openWith(200, HEAD);
    },
    /**
     * WIT: `open-with: func(head: head) -> event-stream;` Sends the guest's status and headers
     * with rusm's content-type. Traps: as `open`, and for an invalid head.
     */
    openWith(head: WitHead): EventStream {
      const { status, fields } = headOf(head);
      return openWith(status, fields);
    },
  };
}
