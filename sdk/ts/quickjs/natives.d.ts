/**
 * The natives sdk/ts/quickjs/engine.c registers as `globalThis.__rusm` for the QuickJS backend:
 * thin calls of rusm:guest's canonical imports. Only sdk/ts/quickjs/*.ts uses them.
 */
declare const __rusm: {
  /** `context.target()`: null, or [module, function, params, route]. */
  target(): [string, string, Array<[string, string]>, string] | null;
  abort(message: string): never;
  /** [method, authority, path-with-query, headers]. */
  request(): [string, string, string, Array<[string, string]>];
  /** The whole request body (blocking reads). */
  body(): ArrayBuffer;
  /** Sends the response head. */
  respond(status: number, headers: Array<[string, string]>): boolean;
  /** One body write (blocking); false once the client is gone. */
  write(chunk: string | ArrayBuffer | ArrayBufferView): boolean;
  finish(): void;
  sseOpen(): number;
  /** `sse.open-with({ status, headers })`. */
  sseOpenWith(status: number, headers: Array<[string, string]>): number;
  /** op: 0 data, 1 event, 2 send, 3 comment, 4 next, 5 run, 6 finish. */
  sse(op: number, handle: number, a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown;
  /** op: 0 subscribe, 1 unsubscribe, 2 publish, 3 receive (a = timeout ms). */
  broker(op: number, a: unknown, b?: string): unknown;
  print(fd: 1 | 2, text: string): void;
  /** Monotonic milliseconds. */
  now(): number;
  /** Parks the process for `ms`. */
  sleep(ms: number): void;
  random(): number;
};
