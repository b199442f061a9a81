/**
 * @module metrics/names
 * Every metric rusm exports, declared once: name, type, unit (in the name), help and labels.
 * Code imports these declarations; no metric name is spelled anywhere else.
 */

/**
 * The exit reasons a process can end with (see lifecycle/exit.ts). metrics/ sits below
 * lifecycle/, so the help text below spells them out; lifecycle/exit-help.test.ts fails when it
 * and `EXIT_REASONS` differ.
 */
export const EXIT_REASON_LABEL = "reason";

/** The label naming a process's component (`[components]`), on every per-process metric. */
export const COMPONENT_LABEL = "component";

export const METRICS = {
  processes: {
    type: "gauge",
    name: "rusm_processes",
    help: "Live processes (one per request being served: an HTTP exchange or a WebSocket connection; requests still waiting for their turn not included), by component.",
    labelNames: [COMPONENT_LABEL],
  },
  processesParked: {
    type: "gauge",
    name: "rusm_processes_parked",
    help: "Live processes parked in a blocking call (JSPI-suspended, using no CPU), by component.",
    labelNames: [COMPONENT_LABEL],
  },
  processExits: {
    type: "counter",
    name: "rusm_process_exits_total",
    help: "Processes that ended, by component and exit reason (normal, disconnected, trap, oom, killed, timeout, cpu, shutdown).",
    labelNames: [COMPONENT_LABEL, EXIT_REASON_LABEL],
  },
  requests: {
    type: "counter",
    name: "rusm_requests_total",
    help: "Requests answered, WebSocket handshakes included (101, or the status a refused one got), by route pattern ((none): no route matched) and status code (0: the connection closed before a head was sent).",
    labelNames: ["route", "status"],
  },
  requestDuration: {
    type: "histogram",
    name: "rusm_request_duration_seconds",
    help: "Time from an HTTP request's arrival to the end of its response (streams included; WebSocket connections not observed), by route pattern.",
    labelNames: ["route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
  },
  runQueueDeferred: {
    type: "counter",
    name: "rusm_run_queue_deferred_total",
    help: "Process starts and wake-ups that waited for a later event-loop turn, their own turn having done its share (a burst paced, lifecycle/run-queue.ts).",
    labelNames: [],
  },
  bodyBufferedBytes: {
    type: "gauge",
    name: "rusm_body_buffered_bytes",
    help: "Response body bytes held by the host (bounded channels plus socket write buffers).",
    labelNames: [],
  },
  websocketMessages: {
    type: "counter",
    name: "rusm_websocket_messages_total",
    help: "WebSocket messages, by direction: in (from clients to guests) and out (from guests to clients).",
    labelNames: ["direction"],
  },
  bodyBytes: {
    type: "counter",
    name: "rusm_body_bytes_total",
    help: "HTTP response body bytes handed to sockets (rusm's own error answers included; WebSocket frames not counted).",
    labelNames: [],
  },
  poolIdleMemories: {
    type: "gauge",
    name: "rusm_pool_idle_memories",
    help: "Linear memories held idle for reuse, by component (each costs the component's initial memory once touched).",
    labelNames: ["component"],
  },
  poolAcquired: {
    type: "counter",
    name: "rusm_pool_acquired_total",
    help: "Linear memories given to processes, by component and source (pool: reused and restored; fresh: new).",
    labelNames: ["component", "source"],
  },
  poolDiscarded: {
    type: "counter",
    name: "rusm_pool_discarded_total",
    help: "Linear memories not kept for reuse, by component and reason (grew, unclean: its process ended other than normal or disconnected, full: pool at its size, idle: pool shrank).",
    labelNames: ["component", "reason"],
  },
  brokerSubscriptions: {
    type: "gauge",
    name: "rusm_broker_subscriptions",
    help: "Live broker subscriptions on this node, by topic or pattern as subscribed (a topic with none is removed).",
    labelNames: ["topic"],
  },
  brokerPublished: {
    type: "counter",
    name: "rusm_broker_published_total",
    help: "Messages published on this node (by guests or POST /publish), by topic.",
    labelNames: ["topic"],
  },
  brokerDelivered: {
    type: "counter",
    name: "rusm_broker_delivered_total",
    help: "Messages put in a subscriber's mailbox on this node (once per subscriber), by topic.",
    labelNames: ["topic"],
  },
  brokerDropped: {
    type: "counter",
    name: "rusm_broker_dropped_total",
    help: "Messages that did not reach someone: drop-oldest and drop-subscriber (a full mailbox), backend-unavailable (not forwarded to other nodes), by topic.",
    labelNames: ["topic", "reason"],
  },
  outboundRequests: {
    type: "counter",
    name: "rusm_outbound_requests_total",
    help: "Outbound requests (wasi:http/outgoing-handler) that ended, by component, origin and status (the response's status code, or the error-code tag it failed with: connection-refused, DNS-error, connection-read-timeout, aborted when its process ended it...).",
    labelNames: ["component", "origin", "status"],
  },
  outboundDuration: {
    type: "histogram",
    name: "rusm_outbound_request_duration_seconds",
    help: "Time from an outbound request's start to the end of its response body (or its failure), by component and origin.",
    labelNames: ["component", "origin"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
  },
  outboundDenied: {
    type: "counter",
    name: "rusm_outbound_denied_total",
    help: "Outbound requests refused because allow-outbound does not list their origin, by component.",
    labelNames: ["component"],
  },
  workers: {
    type: "gauge",
    name: "rusm_workers",
    help: "Worker threads serving the public port (each with its own processes; the metrics here sum them all).",
    labelNames: [],
  },
  watchdogRestarts: {
    type: "counter",
    name: "rusm_watchdog_restarts_total",
    help: "Worker threads the watchdog replaced because their event loop stalled, by signal (cpu: its thread computed too long without a heartbeat; blocked: it went too long without one, neither on a CPU nor waiting for one); their live processes count as killed exits.",
    labelNames: ["signal"],
  },
  watchdogConnectionsCut: {
    type: "counter",
    name: "rusm_watchdog_connections_cut_total",
    help: "Client connections that were open on a worker thread the watchdog replaced (cut with it), by the signal that fired.",
    labelNames: ["signal"],
  },
} as const;
