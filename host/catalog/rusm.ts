/**
 * @module catalog/rusm
 * rusm's own interfaces, one entry each: `rusm:guest` (wit/; host side in rusm-guest/),
 * `rusm:pubsub` (wit/deps/pubsub; rusm-pubsub/), and `rusm:preempt`, the core-level calls
 * preemption checks make (preempt/; no WIT, no lean descriptor: abi/instance.ts links it).
 */
import * as lean from "../abi/interfaces/rusm.ts";
import { context } from "../rusm-guest/context.ts";
import { processInterface } from "../rusm-guest/process.ts";
import { PREEMPT_MODULE } from "../preempt/runtime.ts";
import { sse } from "../rusm-guest/sse.ts";
import { brokerInterface } from "../rusm-pubsub/broker.ts";
import { mailboxInterface } from "../rusm-pubsub/mailbox.ts";
import { perProcess, shared, type HostInterface } from "./entry.ts";
import { RUSM_GUEST, RUSM_PREEMPT, RUSM_PUBSUB } from "./packages.ts";

export const RUSM_INTERFACES: readonly HostInterface[] = [
  {
    name: "rusm:guest/context",
    package: RUSM_GUEST,
    blocking: [],
    lean: lean.context,
    scope: "rusm",
    imports: perProcess(context),
  },
  {
    name: "rusm:guest/sse",
    package: RUSM_GUEST,
    // Every event-stream write parks on back-pressure; next and run park for messages.
    blocking: [
      "[method]event-stream.data",
      "[method]event-stream.event",
      "[method]event-stream.send",
      "[method]event-stream.comment",
      "[method]event-stream.next",
      "[method]event-stream.run",
    ],
    lean: lean.sse,
    scope: "rusm",
    imports: perProcess(sse),
  },
  {
    name: "rusm:guest/process",
    package: RUSM_GUEST,
    blocking: [],
    lean: lean.process,
    scope: "rusm",
    imports: shared(processInterface),
  },
  {
    name: "rusm:pubsub/mailbox",
    package: RUSM_PUBSUB,
    blocking: ["receive"],
    lean: lean.mailbox,
    scope: "rusm",
    imports: perProcess(mailboxInterface),
  },
  {
    name: "rusm:pubsub/broker",
    package: RUSM_PUBSUB,
    // publish parks only with other worker threads to ask (rusm-pubsub/broker.ts).
    blocking: ["publish"],
    lean: lean.broker,
    scope: "rusm",
    imports: perProcess(brokerInterface),
  },
  {
    name: PREEMPT_MODULE,
    package: RUSM_PREEMPT,
    blocking: [],
    lean: null,
    scope: "preempt",
    imports: perProcess((ctx) => ctx.preemptImports()),
  },
];
