/**
 * @module wasi/http/exchange
 * The one HTTP exchange a process serves, as the WASI layer sees it. The server implements it
 * (server/exchange.ts) over Node's request and response; keeping it an interface here means
 * wasi/ never imports the server.
 */
import type { ByteChannel } from "../../stream/channel.ts";
import type { InputSource } from "../io/readiness.ts";

/** A header as WASI sees it: lower-case name, raw value bytes. */
export type FieldEntry = [name: string, value: Uint8Array];

/** The request body: a byte source plus the trailers that follow it. */
export interface RequestBodySource extends InputSource {
  /** Trailers once the body has ended (`undefined` while it has not), or an empty list. */
  trailers(): FieldEntry[] | undefined;
  /** The guest is done reading: discard the rest of the body so the trailers can arrive. */
  discard(): void;
  /** Resolves once the body has ended (or failed). Never rejects. */
  ended(): Promise<void>;
  /** Why the body failed, once it has (an outbound response body; WIT `error-code`). */
  error?(): unknown;
  /** The guest dropped the body without finishing it (an outbound response: close upstream). */
  abandon?(): void;
}

/** The incoming request, read once when the process starts. */
export interface IncomingRequestData {
  /** Upper-case method, as sent. */
  readonly method: string;
  readonly pathWithQuery: string;
  readonly scheme: "http" | "https";
  readonly authority: string | undefined;
  /** Request headers without hop-by-hop ones, names lower-cased, in arrival order. */
  readonly headers: FieldEntry[];
}

export interface HttpExchange {
  readonly request: IncomingRequestData;
  /** True once a response head was sent (or an error answered). */
  readonly responded: boolean;
  /** The request body. Called at most once per exchange. */
  requestBody(): RequestBodySource;
  /**
   * Sends the response head now and streams `body` into the response as it fills.
   * Called at most once (`response-outparam.set`).
   */
  respond(status: number, headers: FieldEntry[], body: ByteChannel): void;
  /** Answers with an error status because the guest set an error instead of a response. */
  fail(message: string): void;
  /** Counts response body bytes handed to the socket. */
  onBodyBytes(n: number): void;
}
