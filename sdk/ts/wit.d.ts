/**
 * The rusm:guest@0.1.0 and rusm:pubsub@0.1.0 imports (wit/) as StarlingMonkey (componentize-js) binds them: each
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
    /** WIT: `next: func(heartbeat-ms: u32) -> option<message>;` */
    next(heartbeatMs: number): import("rusm:pubsub/mailbox@0.1.0").Message | undefined;
    /** WIT: `run: func(heartbeat-ms: u32);` */
    run(heartbeatMs: number): void;
    finish(): void;
  }
  /** WIT: `record head` */
  export interface Head {
    status: number;
    headers: Array<[string, string]>;
  }
  /** WIT: `open: func() -> event-stream;` */
  export function open(): EventStream;
  /** WIT: `open-with: func(head: head) -> event-stream;` */
  export function openWith(head: Head): EventStream;
}

declare module "rusm:guest/process@0.1.0" {
  /** WIT: `abort: func(message: string);` Never returns. */
  export function abort(message: string): never;
}

declare module "rusm:pubsub/mailbox@0.1.0" {
  /** WIT: `record message` */
  export interface Message {
    topic: string;
    data: string;
  }
  /** WIT: `variant received` */
  export type Received = { tag: "message"; val: Message } | { tag: "timeout" } | { tag: "closed" };
  /** WIT: `receive: func(timeout-ms: u32) -> received;` Parks while it waits. */
  export function receive(timeoutMs: number): Received;
}

declare module "rusm:pubsub/broker@0.1.0" {
  /** WIT: `subscribe: func(topic: string);` */
  export function subscribe(topic: string): void;
  /** WIT: `unsubscribe: func(topic: string);` */
  export function unsubscribe(topic: string): void;
  /** WIT: `publish: func(topic: string, data: string) -> u32;` */
  export function publish(topic: string, data: string): number;
}

declare module "rusm:guest/websocket@0.1.0" {
  /** WIT: `record close-info` */
  export interface CloseInfo {
    code: number;
    reason: string;
  }
  /** WIT: `variant incoming` */
  export type Incoming =
    | { tag: "text"; val: string }
    | { tag: "binary"; val: Uint8Array }
    | { tag: "closed"; val: CloseInfo };
  /** WIT: `resource websocket`; recv and sends park, sends are false once the client is gone. */
  export class Websocket {
    protocol(): string | undefined;
    recv(): Incoming;
    sendText(text: string): boolean;
    sendBinary(data: Uint8Array): boolean;
    close(code: number, reason: string): void;
    /** WIT: `run: func(heartbeat-ms: u32) -> incoming;` */
    run(heartbeatMs: number): Incoming;
  }
  /** WIT: `offered-protocols: func() -> list<string>;` */
  export function offeredProtocols(): string[];
  /** WIT: `accept: func(protocol: option<string>) -> websocket;` */
  export function accept(protocol: string | undefined): Websocket;
}
