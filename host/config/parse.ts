/**
 * @module config/parse
 * routes.toml text to a validated {@link Config}; pure (no file system access).
 */

import { dirname, resolve } from "node:path";
import { configSchema, type SchemaOutput } from "./schema.ts";
import { firstIssue } from "./issues.ts";
import { parseToml, type TomlDocument } from "./toml.ts";
import type { ComponentConfig, Config, RouteConfig, TlsConfig } from "./types.ts";

/**
 * Parses and validates routes.toml `text`. `file` names it in errors and anchors relative
 * component paths; it is not read, nor are the component files checked (see loadConfig).
 *
 * Errors: `RUSM_CONFIG_SYNTAX` (invalid TOML, duplicate key), `RUSM_CONFIG_INVALID` (schema,
 * the first problem in file order), each with `where` and `hint`.
 */
export function parseConfig(text: string, file: string): Config {
  const absolute = resolve(file);
  const doc = parseToml(text, absolute);
  const result = configSchema.safeParse(doc.value, { reportInput: true });
  if (!result.success) throw firstIssue(result.error.issues, doc);
  return toConfig(result.data, doc);
}

function toConfig(data: SchemaOutput, doc: TomlDocument): Config {
  const serve = {
    listen: data.serve.listen,
    listenGiven: (doc.value as { serve?: { listen?: unknown } }).serve?.listen !== undefined,
    maxMemoryMb: data.serve["max-memory-mb"],
    bodyBufferKb: data.serve["body-buffer-kb"],
    poolIdleSeconds: data.serve["pool-idle-seconds"],
    workers: data.serve.workers ?? null,
    limits: {
      maxCpuMs: data.serve["max-cpu-ms"],
      preempt: data.serve.preempt,
      timeToHeadMs: data.serve["time-to-head-ms"] ?? null,
      maxDurationMs: data.serve["max-duration-ms"] ?? null,
      maxHostMemoryMb: data.serve["max-host-memory-mb"],
      allowOutbound: data.serve["allow-outbound"],
      maxOutbound: data.serve["max-outbound-per-process"],
    },
    maxInFlight: data.serve["max-in-flight"],
    maxPipelined: data.serve["max-pipelined"],
    drainMs: data.serve["drain-ms"],
    accessLog: data.serve["access-log"],
    timeouts: {
      firstByteMs: data.serve["first-byte-timeout-ms"],
      headersMs: data.serve["headers-timeout-ms"],
      keepAliveMs: data.serve["keep-alive-timeout-ms"],
    },
    websocket: {
      maxMessageKb: data.serve["max-message-kb"],
      pingTimeoutMs: data.serve["ping-timeout-ms"],
    },
    tls: null as TlsConfig | null,
  };
  const base = dirname(doc.file);
  const tls = data.serve.tls;
  if (tls !== undefined) {
    serve.tls = {
      certFile: resolve(base, tls.cert),
      keyFile: resolve(base, tls.key),
      certWhere: doc.locate(["serve", "tls", "cert"], "value"),
      keyWhere: doc.locate(["serve", "tls", "key"], "value"),
      pem: null,
    };
  }
  const components = new Map<string, ComponentConfig>();
  for (const [name, c] of Object.entries(data.components)) {
    components.set(name, {
      name,
      path: resolve(base, c.path),
      maxMemoryMb: c["max-memory-mb"] ?? serve.maxMemoryMb,
      bodyBufferKb: c["body-buffer-kb"] ?? serve.bodyBufferKb,
      pool: c.pool,
      prewarm: c.prewarm,
      limits: {
        maxCpuMs: c["max-cpu-ms"] ?? serve.limits.maxCpuMs,
        preempt: c.preempt ?? serve.limits.preempt,
        timeToHeadMs: c["time-to-head-ms"] ?? serve.limits.timeToHeadMs,
        maxDurationMs: c["max-duration-ms"] ?? serve.limits.maxDurationMs,
        maxHostMemoryMb: c["max-host-memory-mb"] ?? serve.limits.maxHostMemoryMb,
        allowOutbound: c["allow-outbound"] ?? serve.limits.allowOutbound,
        maxOutbound: c["max-outbound-per-process"] ?? serve.limits.maxOutbound,
      },
      where: doc.locate(["components", name], "key"),
      pathWhere: doc.locate(["components", name, "path"], "value"),
      source: c.source === undefined ? null : resolve(base, c.source),
      engine: c.engine ?? "starlingmonkey",
    });
  }
  // The schema rejects a missing [serve.routes], so `routes` is set here.
  const routes: RouteConfig[] = (data.serve.routes ?? []).map((r) => ({
    method: r.method,
    path: r.path,
    target: r.target,
    pattern: r.key,
    where: doc.locate(["serve", "routes", r.key], "key"),
    targetWhere: doc.locate(["serve", "routes", r.key], "value"),
  }));
  return {
    file: doc.file,
    serve,
    admin: data.admin
      ? {
          listen: data.admin.listen,
          allowPublic: data.admin["allow-public"],
          token: data.admin.token ?? null,
        }
      : null,
    broker: { ...data.broker },
    components,
    routes,
  };
}
