/**
 * The globals a StarlingMonkey (componentize-js) guest uses beyond the DOM lib: the
 * service-worker style fetch event. Types only; esbuild drops this file.
 */

/** The event StarlingMonkey dispatches for each incoming request. */
interface FetchEvent extends Event {
  readonly request: Request;
  /** Answers the request; a promise lets the handler await (the request body, timers...). */
  respondWith(response: Response | PromiseLike<Response>): void;
}

/** Registers the request handler; call it once at the top level of the guest. */
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
