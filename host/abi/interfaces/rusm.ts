/**
 * @module abi/interfaces/rusm
 * rusm's own imports for the lean ABI: `rusm:guest` (context, sse, websocket, process; wit/*.wit) and
 * `rusm:pubsub` (broker, mailbox; wit/deps/pubsub).
 */
import { InterfaceBuilder } from "../signature.ts";
import { bool, list, option, own, record, string, tuple, u16, u32, u8, variant } from "../types.ts";

const message = record({ topic: string, data: string });

export const context = new InterfaceBuilder("rusm:guest/context")
  .func(
    "target",
    [],
    option(
      record({
        module: string,
        function: string,
        params: list(tuple(string, string)),
        route: string,
      }),
    ),
  )
  .build();

const sseI = new InterfaceBuilder("rusm:guest/sse");
const eventStreamRes = sseI.resource("event-stream");
const event = record({
  name: option(string),
  data: string,
  id: option(string),
  retry: option(u32),
});
export const sse = sseI
  .method(eventStreamRes, "data", [string], bool)
  .method(eventStreamRes, "event", [string, string], bool)
  .method(eventStreamRes, "send", [event], bool)
  .method(eventStreamRes, "comment", [string], bool)
  .method(eventStreamRes, "next", [u32], option(message))
  .method(eventStreamRes, "run", [u32])
  .method(eventStreamRes, "finish", [])
  .func("open", [], own(eventStreamRes))
  .func(
    "open-with",
    [record({ status: u16, headers: list(tuple(string, string)) })],
    own(eventStreamRes),
  )
  .build();

const wsI = new InterfaceBuilder("rusm:guest/websocket");
const websocketRes = wsI.resource("websocket");
const incoming = variant({
  text: string,
  binary: list(u8),
  closed: record({ code: u16, reason: string }),
});
export const websocket = wsI
  .method(websocketRes, "protocol", [], option(string))
  .method(websocketRes, "recv", [], incoming)
  .method(websocketRes, "send-text", [string], bool)
  .method(websocketRes, "send-binary", [list(u8)], bool)
  .method(websocketRes, "close", [u16, string])
  .method(websocketRes, "run", [u32], incoming)
  .func("offered-protocols", [], list(string))
  .func("accept", [option(string)], own(websocketRes))
  .build();

export const process = new InterfaceBuilder("rusm:guest/process").func("abort", [string]).build();

export const broker = new InterfaceBuilder("rusm:pubsub/broker")
  .func("subscribe", [string])
  .func("unsubscribe", [string])
  .func("publish", [string, string], u32)
  .build();

export const mailbox = new InterfaceBuilder("rusm:pubsub/mailbox")
  .func("receive", [u32], variant({ message, timeout: null, closed: null }))
  .build();
