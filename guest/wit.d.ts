/**
 * The rusm:guest@0.1.0 imports (wit/) as StarlingMonkey (componentize-js) binds them: each
 * WIT interface is an ES module named `<package>/<interface>@<version>`, kebab-case names in
 * camelCase, `option<T>` as `T | undefined`. Types only; esbuild keeps these imports
 * external and componentize-js links them to the host.
 */

declare module "rusm:guest/context@0.1.0" {
  /** WIT: `record handler-target` */
  export interface HandlerTarget {
    module: string;
    function: string;
    params: Array<[string, string]>;
    route: string;
  }
  /** WIT: `target: func() -> option<handler-target>;` */
  export function target(): HandlerTarget | undefined;
}

declare module "rusm:guest/sse@0.1.0" {
  /** WIT: `record event` */
  export interface Event {
    name?: string | undefined;
    data: string;
    id?: string | undefined;
    retry?: number | undefined;
  }
  /** WIT: `resource event-stream`; each write parks on back-pressure, false once the client is gone. */
  export class EventStream {
    data(data: string): boolean;
    event(name: string, data: string): boolean;
    send(ev: Event): boolean;
    comment(text: string): boolean;
    finish(): void;
  }
  /** WIT: `open: func() -> event-stream;` */
  export function open(): EventStream;
}

declare module "rusm:guest/process@0.1.0" {
  /** WIT: `abort: func(message: string);` Never returns. */
  export function abort(message: string): never;
}
