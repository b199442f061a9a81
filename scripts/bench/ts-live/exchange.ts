/**
 * @module scripts/bench/ts-live/exchange
 * An in-memory exchange for a request that stays open (a live tail): a `GET` with an empty,
 * ended body, whose response body is taken as fast as it is written and never ends on the
 * client's side until {@link ParkedExchange.leave}. Used by anatomy.ts to park real rusm
 * processes without sockets.
 */
import type { ProcessExchange } from "../../../host/process/process.ts";
import type { ByteChannel, ChannelSink } from "../../../host/stream/channel.ts";
import type {
  FieldEntry,
  IncomingRequestData,
  RequestBodySource,
} from "../../../host/wasi/index.ts";
import { benchGet, EmptyBody } from "../lib/memory-request.ts";

export class ParkedExchange implements ProcessExchange {
  readonly request: IncomingRequestData;
  responded = false;
  clientGone = false;
  #goneListeners: Array<() => void> = [];
  eventStream = false;
  /** Response body bytes taken so far. */
  bodyBytes = 0;
  #body: ByteChannel | null = null;

  constructor(pathWithQuery = "/news?hb=600000") {
    this.request = benchGet(pathWithQuery);
  }

  requestBody(): RequestBodySource {
    return new EmptyBody();
  }

  respond(_status: number, _headers: FieldEntry[], body: ByteChannel): void {
    this.responded = true;
    this.eventStream = true;
    this.#body = body;
    const sink: ChannelSink = {
      write: (chunk) => {
        this.bodyBytes += chunk.length;
        return true;
      },
      flushHead: () => {},
      end: () => {},
      truncate: () => {},
      fault: () => {},
      onDrain: () => {},
      pending: () => 0,
    };
    body.attach(sink);
  }

  fail(): void {
    this.respondError();
  }

  respondError(): void {
    this.responded = true;
  }

  truncateBody(): void {
    this.#body?.truncate();
  }

  endBody(): void {
    if (this.#body !== null && !this.#body.ended) this.#body.finish();
  }

  onBodyBytes(): void {}

  onClientGone(listener: () => void): void {
    if (this.clientGone) listener();
    else this.#goneListeners.push(listener);
  }

  /** The client leaves: the body closes (a parked `sse.run` wakes) and the listeners hear it. */
  leave(): void {
    if (this.clientGone) return;
    this.clientGone = true;
    this.#body?.close();
    for (const listener of this.#goneListeners.splice(0)) listener();
  }

  onFault(): void {}
}
