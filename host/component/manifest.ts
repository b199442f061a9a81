/**
 * @module component/manifest
 * Reads a handler-module component's `rusm:guest/manifest` export once at load: which
 * handler modules it exports, and whether each handler is an HTTP or an SSE action
 * (wit/manifest.wit).
 *
 * The manifest is read from a throwaway instance that serves no request: its host calls see a
 * {@link LoadContext} (no request, nothing to park on) and its memory is not reused.
 */
import { HostMemory } from "../wasi/host-memory.ts";
import { FuelGauge, threadKillFlag } from "../preempt/runtime.ts";
import { z } from "zod";
import { hostImports, type HostContext } from "../catalog/index.ts";
import {
  NO_OUTBOUND,
  type FieldEntry,
  type HttpExchange,
  type IncomingRequestData,
} from "../wasi/index.ts";
import type { ByteChannel } from "../stream/channel.ts";

/** WIT: `enum kind` */
export type HandlerKind = "http" | "sse" | "websocket";

/** WIT: `record handler` */
export interface HandlerInfo {
  readonly name: string;
  readonly kind: HandlerKind;
}

/** WIT: `record handler-module` */
export interface HandlerModule {
  readonly name: string;
  readonly handlers: readonly HandlerInfo[];
}

/** Module and function names, as route targets spell them (`api#feed`). */
export const HANDLER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const name = z.string().regex(HANDLER_NAME, {
  error: `a name of a letter, then letters, digits, "_" or "-"`,
});
const manifestSchema = z.array(
  z.object({
    name,
    handlers: z.array(z.object({ name, kind: z.enum(["http", "sse", "websocket"]) })),
  }),
);

/**
 * Checks what `modules()` returned: names routable, no module or handler twice.
 * @returns an error message, or the modules.
 */
export function parseManifest(raw: unknown):
  | { ok: true; modules: HandlerModule[] }
  | {
      ok: false;
      reason: string;
    } {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  const seen = new Set<string>();
  for (const module of parsed.data) {
    if (seen.has(module.name)) return { ok: false, reason: `module "${module.name}" listed twice` };
    seen.add(module.name);
    const fns = new Set<string>();
    for (const handler of module.handlers) {
      if (fns.has(handler.name)) {
        return { ok: false, reason: `handler "${module.name}#${handler.name}" listed twice` };
      }
      fns.add(handler.name);
    }
  }
  return { ok: true, modules: parsed.data };
}

function noRequest(): never {
  throw new Error("the manifest instance serves no request");
}

const NO_REQUEST: IncomingRequestData = {
  method: "GET",
  pathWithQuery: "/",
  scheme: "http",
  authority: undefined,
  headers: [] as FieldEntry[],
};

/** The context of the load-time instance: no request, no target, no parking. */
/** How long the load-time instance's checks let it run. */
const LOAD_CPU_MS = 5_000;

export class LoadContext implements HostContext {
  readonly pid = 0;
  readonly hostMemory = HostMemory.unlimited();
  readonly target = null;
  readonly upgrade = null;
  readonly bodyBufferBytes = 1;
  readonly outbound = NO_OUTBOUND;
  readonly exchange: HttpExchange = {
    request: NO_REQUEST,
    responded: false,
    requestBody: noRequest,
    respond: (_status: number, _headers: FieldEntry[], _body: ByteChannel) => noRequest(),
    fail: noRequest,
    onBodyBytes: () => undefined,
  };
  /** What the instance printed, for the error when the manifest fails. */
  output = "";
  readonly #decoder = new TextDecoder();

  park<T>(): Promise<T> {
    return Promise.reject(new Error("the manifest export must not block"));
  }

  resume(): undefined {
    return undefined;
  }

  own(): () => void {
    return () => undefined;
  }

  stdout(bytes: Uint8Array): void {
    this.output += this.#decoder.decode(bytes, { stream: true });
  }

  stderr(bytes: Uint8Array): void {
    this.stdout(bytes);
  }

  exit(ok: boolean): never {
    throw new Error(`the manifest instance called exit(${ok ? "ok" : "err"})`);
  }

  get mailbox(): never {
    throw new Error("the manifest export must not use the mailbox");
  }

  get broker(): never {
    throw new Error("the manifest export must not use the broker");
  }

  /** The import object of the load-time instance: everything the catalog lists. */
  imports(): Record<string, object> {
    return hostImports(this, { rusm: true, preempt: true });
  }

  /** `rusm:preempt` for the load-time instance. */
  preemptImports(): object {
    // An instrumented guest's checks: the load-time instance may run a little (its start, the
    // manifest export), never spin: over LOAD_CPU_MS of checks, it fails the load.
    let since = -1;
    const fuel = new FuelGauge();
    const tick = (): number => {
      const now = performance.now();
      if (since < 0) since = now;
      if (now - since > LOAD_CPU_MS) {
        throw new Error(`the load-time instance ran for over ${LOAD_CPU_MS} ms (a loop?)`);
      }
      return fuel.next(now - since);
    };
    return { tick, yield: tick, flag: threadKillFlag().memory };
  }
}
