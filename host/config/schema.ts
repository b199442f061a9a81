/**
 * @module config/schema
 * The zod schema of routes.toml. Tables are strict (an unknown key is an error). Each error
 * message here is the "expected" half of a report (`an integer from 1 to 65536`); config/issues
 * adds the key, the value found and the location. Custom checks report a whole message plus
 * `params: { at, hint }`.
 *
 * ```toml
 * [serve]
 * listen = "127.0.0.1:8080"   # default
 * max-memory-mb = 64          # default, 1..65536, per process
 * body-buffer-kb = 64         # default, 1..1048576, bounded response channel per process
 * pool-idle-seconds = 30      # default, 1..86400, a pool unused for one period halves
 * workers = 2                 # default: one per core (os.availableParallelism()), 1..256
 * max-cpu-ms = 60000          # default, 0..86400000 (0: no budget), CPU per process, parked time not counted
 * preempt = "loops"           # default; or "calls", "kill", "none": where preemption checks go
 * time-to-head-ms = 2000      # optional, 1..86400000: no response head by then → 504, process killed
 * max-duration-ms = 600000    # optional, 1..86400000: the whole process, head to last byte (truncated)
 * max-host-memory-mb = 16     # default, 1..65536: what a process makes the host hold (fields, resources) → oom
 * max-in-flight = 25000       # default, 1..1000000: requests queued or running per worker; then 503
 * max-pipelined = 16          # default, 1..1024: requests of one connection started at once; the rest wait
 * drain-ms = 10000            # default, 0..3600000: SIGTERM/SIGINT waits this long for finite requests
 * access-log = false          # default; true: one JSON line per request on stdout (server/access-log.ts)
 * first-byte-timeout-ms = 10000  # default, 0..86400000 (0: none): a new connection's idle time before its first byte
 * headers-timeout-ms = 30000     # default, 0..86400000 (0: none): a request's whole head must arrive by then (408)
 * keep-alive-timeout-ms = 5000   # default, 0..86400000 (0: none): a keep-alive connection's idle time between requests
 * max-message-kb = 1024       # default, 1..1048576: a bigger WebSocket message closes its connection (1009)
 * ping-timeout-ms = 30000     # default, 0..86400000 (0: no pings): a WebSocket client silent that long after a ping is gone
 * allow-outbound = []        # default none: origins processes may fetch, e.g. ["https://api.example.com", "http://127.0.0.1:9000", "https://*.example.org"]
 * max-outbound-per-process = 16  # default, 1..1024: outbound requests one process has open at once
 * tls = { cert = "cert.pem", key = "key.pem" }  # optional: HTTPS, HTTP/2 and HTTP/1.1 (ALPN), paths relative to routes.toml
 * [admin]                     # optional; listen is then required
 * listen = "127.0.0.1:9464"   # a loopback address, unless allow-public = true
 * allow-public = false        # default; true: a non-loopback listen is allowed (and warned about)
 * token = "..."               # optional, 16..4096 visible ASCII: POST /publish needs it as a Bearer token
 * [broker]                    # optional
 * backend = "memory"          # default; or "redis://127.0.0.1:6379" to fan out between nodes
 * mailbox = 256               # default, 1..1048576, messages queued per subscriber
 * overflow = "drop-oldest"    # default; or "drop-subscriber"
 * [components]
 * ticks = "guests/ticks.wasm" # or { path = "...", max-memory-mb = 256, body-buffer-kb = 16 }
 *                             # also pool = 0..1024 (idle memories kept; default by memory size)
 *                             # and prewarm = 0..64 (default 0); max-cpu-ms, preempt,
 *                             # time-to-head-ms, max-duration-ms, max-host-memory-mb,
 *                             # allow-outbound and max-outbound-per-process override [serve]'s
 * [serve.routes]              # at least one
 * "GET /ticks" = "ticks"      # a component by name
 * "GET /users/:id" = "api#user" # a handler: module "api" (exported by a component), function "user"
 * ```
 */

import { z } from "zod";
import { OVERFLOW_POLICIES, PREEMPT_PLACEMENTS, SOURCE_ENGINES } from "./types.ts";
import { isLoopback, LISTEN_EXPECTED, LISTEN_HINT, parseListen } from "./listen.ts";
import {
  parseRouteKey,
  parseRouteTarget,
  ROUTE_KEY_EXPECTED,
  ROUTE_TARGET_EXPECTED,
  type RouteKey,
  type RouteTargetSpec,
} from "./routes.ts";
import { formatKey, type KeyPath } from "./tree.ts";
import {
  OUTBOUND_EXPECTED,
  OUTBOUND_HINT,
  parseOutboundRule,
  type OutboundRule,
} from "./outbound.ts";

/** Defaults for omitted keys. */
export const DEFAULTS = {
  listen: "127.0.0.1:8080",
  maxMemoryMb: 64,
  bodyBufferKb: 64,
  poolIdleSeconds: 30,
  prewarm: 0,
  maxCpuMs: 60_000,
  preempt: "loops",
  maxHostMemoryMb: 16,
  maxInFlight: 25_000,
  maxPipelined: 16,
  drainMs: 10_000,
  accessLog: false,
  firstByteTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxMessageKb: 1024,
  pingTimeoutMs: 30_000,
  maxOutboundPerProcess: 16,
  brokerBackend: "memory",
  brokerMailbox: 256,
  brokerOverflow: "drop-oldest",
} as const;

/** `[serve] tls`: the PEM files of the public listener (checked when the config is loaded). */
export const TLS_HINT = `tls = { cert = "cert.pem", key = "key.pem" }: PEM files, relative to routes.toml`;

/** What a custom issue carries besides its message. */
export interface IssueParams {
  /** Point at the key (a bad route key) or at the value (default). */
  at?: "key" | "value";
  hint?: string;
  /** When set, the message is only the reason: config/issues says "<key> must be <expected>". */
  expected?: string;
  /** Something required is absent: reported after problems with what is there. */
  missing?: boolean;
}

/** Hints for values of a given key name, shared with config/issues. */
export const VALUE_HINTS: Record<string, string> = {
  listen: LISTEN_HINT,
  "max-memory-mb": "the memory cap per process in MiB, e.g. max-memory-mb = 64",
  "body-buffer-kb": "the response buffer per process in KiB, e.g. body-buffer-kb = 64",
  "pool-idle-seconds":
    "the period in seconds after which an unused memory pool drops half its idle memories, e.g. pool-idle-seconds = 30",
  pool: "the idle memories kept for reuse, about the component's peak concurrent requests; 0 for none, e.g. pool = 8",
  prewarm: "the fresh instances made ahead of requests, e.g. prewarm = 2",
  workers: "the worker threads serving requests, e.g. workers = 2 (default: one per core)",
  "max-cpu-ms":
    "the CPU time a process may use, parked time not counted, in ms; 0 for no budget, e.g. max-cpu-ms = 60000",
  preempt: `where preemption checks go: "loops" (yield at loops and calls), "calls" (yield at calls, kill at loops), "kill" (kill only) or "none"`,
  "time-to-head-ms":
    "how long a process may take to send its response head, in ms, e.g. time-to-head-ms = 2000",
  "max-duration-ms":
    "how long a process may run in all, in ms (its body is then truncated), e.g. max-duration-ms = 600000",
  "max-host-memory-mb":
    "what a process may make the host hold for it (header fields, trailers, resources), in MiB, e.g. max-host-memory-mb = 16",
  "max-in-flight":
    "the requests a worker thread holds at once, queued or running (then 503), e.g. max-in-flight = 25000",
  "max-pipelined":
    "the requests of one connection run at once (later pipelined ones wait), e.g. max-pipelined = 16",
  "drain-ms":
    "how long a shutdown waits for finite requests to finish, in ms, e.g. drain-ms = 10000",
  "access-log":
    "true writes one JSON line per request on stdout (method, path, route, status, bytes, ms, pid, exit), e.g. access-log = true",
  "first-byte-timeout-ms":
    "how long a new connection may stay silent before its first byte, in ms; 0 for no limit, e.g. first-byte-timeout-ms = 10000",
  "headers-timeout-ms":
    "how long a request's head (request line and headers) may take to arrive, in ms; 0 for no limit, e.g. headers-timeout-ms = 30000",
  "keep-alive-timeout-ms":
    "how long a keep-alive connection may stay idle between requests, in ms; 0 for no limit, e.g. keep-alive-timeout-ms = 5000",
  "max-message-kb":
    "the largest WebSocket message a client may send, in KiB (a bigger one closes with 1009), e.g. max-message-kb = 1024",
  "ping-timeout-ms":
    "how long a WebSocket client may stay silent after a ping before it counts as gone, in ms; 0 for no pings, e.g. ping-timeout-ms = 30000",
  path: `the component file, relative to routes.toml, e.g. path = "guests/app.wasm"`,
  source: `the guest's source that \`rusm dev\` builds into path, relative to routes.toml: a .ts/.js entry or a Cargo project, e.g. source = "src/app.ts"`,
  engine: `the JavaScript engine \`rusm dev\` builds a TypeScript source with: "starlingmonkey" (default) or "quickjs"`,
  backend: `"memory" (this node only) or a Redis URL shared by every node, e.g. backend = "redis://127.0.0.1:6379"`,
  mailbox: "messages queued per subscriber before overflow applies, e.g. mailbox = 256",
  overflow: `what a full subscriber mailbox does: "drop-oldest" (keep the newest) or "drop-subscriber" (end its stream)`,
  "allow-public": "true lets [admin] listen on a non-loopback address, e.g. allow-public = true",
  "allow-outbound": OUTBOUND_HINT,
  "max-outbound-per-process":
    "the outbound requests one process may have open at once, e.g. max-outbound-per-process = 16",
  tls: TLS_HINT,
  cert: TLS_HINT,
  key: TLS_HINT,
  token: `a secret POST /publish must present as "Authorization: Bearer <token>", e.g. the output of \`openssl rand -hex 32\``,
};

const intIn = (min: number, max: number) => {
  const expected = `an integer from ${min} to ${max}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
};
const maxMemoryMb = intIn(1, 65536);
/** One day, the longest CPU budget or wall-clock limit. */
const DAY_MS = 86_400_000;
const maxCpuMs = intIn(0, DAY_MS);
const wallMs = intIn(1, DAY_MS);
/** A socket timeout of the public listener; 0: none. */
const socketMs = intIn(0, DAY_MS);
const preempt = z.enum(PREEMPT_PLACEMENTS, {
  error: `"loops", "calls", "kill" or "none"`,
});
/** Most worker threads `workers` may ask for. */
const WORKERS_MAX = 256;
const bodyBufferKb = intIn(1, 1048576);
/** Most idle memories a component's pool may keep (`pool`). */
const POOL_MAX = 1024;
/** Most instances a component may prewarm (`prewarm`). */
const PREWARM_MAX = 64;

/** `allow-outbound`: a list of origins, each parsed (config/outbound). */
const allowOutbound = z
  .array(z.string({ error: OUTBOUND_EXPECTED }), { error: `a list of ${OUTBOUND_EXPECTED}s` })
  .transform((list, ctx) => {
    const out: OutboundRule[] = [];
    list.forEach((text, i) => {
      const parsed = parseOutboundRule(text);
      if (parsed.ok) {
        out.push(parsed.rule);
        return;
      }
      const params: IssueParams = { expected: OUTBOUND_EXPECTED, hint: OUTBOUND_HINT };
      ctx.addIssue({ code: "custom", path: [i], message: parsed.reason, input: text, params });
    });
    return out;
  });
const maxOutbound = intIn(1, 1024);

const pemPath = z.string({ error: "a file path" }).min(1, { error: "a non-empty file path" });
const tls = z.strictObject(
  { cert: pemPath, key: pemPath },
  { error: `a table { cert = "...", key = "..." }` },
);

const listen = z.string({ error: LISTEN_EXPECTED }).transform((text, ctx) => {
  const parsed = parseListen(text);
  if (parsed.ok) return parsed.listen;
  const params: IssueParams = { expected: LISTEN_EXPECTED };
  ctx.addIssue({ code: "custom", message: parsed.reason, input: text, params });
  return z.NEVER;
});

/** A route from `[serve.routes]`, its key parsed. */
export interface SchemaRoute extends RouteKey {
  key: string;
  target: RouteTargetSpec;
}

const ROUTE_HINT = `write "METHOD /path" = "component" or "module#function", e.g. "GET /users/:id" = "api#user"`;

const routes = z
  .record(z.string(), z.string({ error: ROUTE_TARGET_EXPECTED }))
  .transform((table, ctx) => {
    const out: SchemaRoute[] = [];
    const entries = Object.entries(table);
    if (entries.length === 0) {
      const params: IssueParams = { at: "key", hint: ROUTE_HINT, missing: true };
      ctx.addIssue({
        code: "custom",
        message: "serve.routes is empty: nothing to serve",
        params,
        continue: true,
      });
    }
    for (const [key, value] of entries) {
      const parsed = parseRouteKey(key);
      if (!parsed.ok) {
        const message = `${formatKey(["serve", "routes", key])} is not a valid route key: ${parsed.reason}; expected ${ROUTE_KEY_EXPECTED}`;
        const params: IssueParams = { at: "key", hint: ROUTE_HINT };
        ctx.addIssue({ code: "custom", path: [key], message, params, continue: true });
        continue;
      }
      const target = parseRouteTarget(value);
      if (!target.ok) {
        const message = `${formatKey(["serve", "routes", key])}: ${target.reason}`;
        const params: IssueParams = { hint: ROUTE_HINT };
        ctx.addIssue({ code: "custom", path: [key], message, params, continue: true });
        continue;
      }
      out.push({ key, target: target.target, ...parsed.route });
    }
    return out;
  });

const serveShape = {
  listen: listen.prefault(DEFAULTS.listen),
  "max-memory-mb": maxMemoryMb.default(DEFAULTS.maxMemoryMb),
  "body-buffer-kb": bodyBufferKb.default(DEFAULTS.bodyBufferKb),
  "pool-idle-seconds": intIn(1, 86400).default(DEFAULTS.poolIdleSeconds),
  workers: intIn(1, WORKERS_MAX).optional(),
  "max-cpu-ms": maxCpuMs.default(DEFAULTS.maxCpuMs),
  preempt: preempt.default(DEFAULTS.preempt),
  "time-to-head-ms": wallMs.optional(),
  "max-duration-ms": wallMs.optional(),
  "max-host-memory-mb": maxMemoryMb.default(DEFAULTS.maxHostMemoryMb),
  "max-in-flight": intIn(1, 1_000_000).default(DEFAULTS.maxInFlight),
  "max-pipelined": intIn(1, 1024).default(DEFAULTS.maxPipelined),
  "drain-ms": intIn(0, 3_600_000).default(DEFAULTS.drainMs),
  "access-log": z.boolean({ error: "true or false" }).default(DEFAULTS.accessLog),
  "first-byte-timeout-ms": socketMs.default(DEFAULTS.firstByteTimeoutMs),
  "headers-timeout-ms": socketMs.default(DEFAULTS.headersTimeoutMs),
  "keep-alive-timeout-ms": socketMs.default(DEFAULTS.keepAliveTimeoutMs),
  "max-message-kb": intIn(1, 1048576).default(DEFAULTS.maxMessageKb),
  "ping-timeout-ms": socketMs.default(DEFAULTS.pingTimeoutMs),
  "allow-outbound": allowOutbound.default([]),
  "max-outbound-per-process": maxOutbound.default(DEFAULTS.maxOutboundPerProcess),
  tls: tls.optional(),
  routes: routes.optional(),
};
/** An admin token: what a Bearer token may hold in a header, long enough not to guess. */
const TOKEN_EXPECTED = "16 to 4096 visible ASCII characters (no spaces)";
const adminShape = {
  listen,
  "allow-public": z.boolean({ error: "true or false" }).default(false),
  token: z
    .string({ error: TOKEN_EXPECTED })
    .regex(/^[\x21-\x7e]{16,4096}$/, { error: TOKEN_EXPECTED })
    .optional(),
};
const BACKEND_EXPECTED = `"memory" or a redis:// (or rediss://) URL`;
const brokerShape = {
  backend: z
    .string({ error: BACKEND_EXPECTED })
    .transform((text, ctx) => {
      if (text === "memory" || /^rediss?:\/\/\S+$/.test(text)) return text;
      const params: IssueParams = { expected: BACKEND_EXPECTED };
      const reason = "it is neither memory nor a Redis URL";
      ctx.addIssue({ code: "custom", message: reason, input: text, params });
      return z.NEVER;
    })
    .default(DEFAULTS.brokerBackend),
  mailbox: intIn(1, 1048576).default(DEFAULTS.brokerMailbox),
  overflow: z
    .enum(OVERFLOW_POLICIES, { error: `"drop-oldest" or "drop-subscriber"` })
    .default(DEFAULTS.brokerOverflow),
};
const componentShape = {
  path: z.string({ error: "a file path" }).min(1, { error: "a non-empty file path" }),
  "max-memory-mb": maxMemoryMb.optional(),
  "body-buffer-kb": bodyBufferKb.optional(),
  pool: intIn(0, POOL_MAX).optional(),
  prewarm: intIn(0, PREWARM_MAX).default(DEFAULTS.prewarm),
  "max-cpu-ms": maxCpuMs.optional(),
  preempt: preempt.optional(),
  "time-to-head-ms": wallMs.optional(),
  "max-duration-ms": wallMs.optional(),
  "max-host-memory-mb": maxMemoryMb.optional(),
  "allow-outbound": allowOutbound.optional(),
  "max-outbound-per-process": maxOutbound.optional(),
  // `rusm dev` only: the guest's source (a .ts/.js entry or a Cargo project) and its engine.
  source: z.string({ error: "a file path" }).min(1, { error: "a non-empty file path" }).optional(),
  engine: z.enum(SOURCE_ENGINES, { error: `"starlingmonkey" or "quickjs"` }).optional(),
};

const COMPONENT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const component = z.preprocess(
  (value) => (typeof value === "string" ? { path: value } : value),
  z.strictObject(componentShape, { error: `a path string or a table { path = "...", ... }` }),
);
const components = z.record(
  z.string().regex(COMPONENT_NAME, {
    error: `a component name (a letter, then letters, digits, "-" or "_")`,
  }),
  component,
);

const table = (name: string) => ({ error: `a table ([${name}])` });

/** A non-loopback admin listen needs `allow-public = true`. */
const admin = z.strictObject(adminShape, table("admin")).superRefine((admin, ctx) => {
  if (admin["allow-public"] || isLoopback(admin.listen)) return;
  const { host, port } = admin.listen;
  const shown = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const params: IssueParams = {
    hint: `listen on 127.0.0.1 or [::1] and reach it through a tunnel or proxy, or set allow-public = true in [admin] (and a token = "..." for POST /publish)`,
  };
  ctx.addIssue({
    code: "custom",
    path: ["listen"],
    message: `admin.listen is ${shown}, not a loopback address: GET /metrics and POST /publish would be open to the network`,
    params,
  });
});

const rootShape = {
  serve: z.strictObject(serveShape, table("serve")).prefault({}),
  admin: admin.optional(),
  broker: z.strictObject(brokerShape, table("broker")).prefault({}),
  components: components.prefault({}),
};

/** The whole file. Output keys keep their TOML spelling; config/parse maps them. */
export const configSchema = z
  .strictObject(rootShape, { error: "a table" })
  .superRefine((config, ctx) => {
    const { routes } = config.serve;
    if (routes === undefined) {
      const params: IssueParams = {
        at: "key",
        hint: `add a [serve.routes] table, e.g. "GET /" = "app"`,
        missing: true,
      };
      const message = "serve.routes is missing: nothing to serve";
      ctx.addIssue({ code: "custom", path: ["serve"], message, params });
      return;
    }
    const known = Object.keys(config.components);
    for (const route of routes) {
      // Handler targets are checked against the components' manifests once they are loaded.
      if (route.target.kind !== "component") continue;
      const component = route.target.component;
      if (Object.hasOwn(config.components, component)) continue;
      const defined = known.length === 0 ? "[components] is empty" : `defined: ${known.join(", ")}`;
      const message = `${formatKey(["serve", "routes", route.key])} names component "${component}", which is not in [components] (${defined})`;
      const params: IssueParams = {
        hint: `define it under [components], e.g. ${component} = "${component}.wasm", or route a handler as "module#function"`,
      };
      ctx.addIssue({ code: "custom", path: ["serve", "routes", route.key], message, params });
    }
  });

/** The validated file, keys as in TOML. */
export type SchemaOutput = z.output<typeof configSchema>;

const ACCEPTED = {
  root: Object.keys(rootShape),
  serve: Object.keys(serveShape),
  admin: Object.keys(adminShape),
  broker: Object.keys(brokerShape),
  component: Object.keys(componentShape),
  tls: ["cert", "key"],
};

/** The keys a strict table accepts, by the table's path; [] if not a strict table. */
export function acceptedKeys(table: KeyPath): string[] {
  if (table.length === 0) return ACCEPTED.root;
  if (table.length === 1 && (table[0] === "serve" || table[0] === "admin" || table[0] === "broker"))
    return ACCEPTED[table[0]];
  if (table.length === 2 && table[0] === "components") return ACCEPTED.component;
  if (table.length === 2 && table[0] === "serve" && table[1] === "tls") return ACCEPTED.tls;
  return [];
}
