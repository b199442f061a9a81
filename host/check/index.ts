/**
 * @module check
 * `rusm check routes.toml`: the lifecycle table as a command for CI (check/rows.ts says what
 * each row asks). It serves the app as `rusm serve` would, on free ports, runs the rows that
 * apply to each route (or to the routes named), prints one line per route and row and a
 * summary, and writes JUnit XML on request. The routes are checked one at a time, so one
 * route's processes never count against another's.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import junitModule, { type Builder } from "junit-report-builder";
import { loadComponentConfig, loadConfig, type Config, type RouteConfig } from "../config/index.ts";
import { RusmError } from "../errors.ts";
import { checkRoute, type RouteRequest, type RowResult } from "./rows.ts";
import { CheckedServer } from "./server.ts";

export { DISCONNECT_MS, IDLE_CPU_MS_PER_S, STALL_MS } from "./rows.ts";
export type { RowResult } from "./rows.ts";

export interface CheckOptions {
  /** Only these routes, as written (`GET /feed`) or by path (`/feed`); default every route. */
  readonly routes?: readonly string[];
  /** Write JUnit XML here. */
  readonly junit?: string | undefined;
  readonly cacheDir?: string | undefined;
  /** Where each line goes (stdout). */
  readonly print: (line: string) => void;
}

export interface RouteReport {
  readonly route: string;
  readonly rows: readonly RowResult[];
}

/** A concrete request for a route: GET unless it names a method, parameters filled in. */
function requestFor(route: RouteConfig, config: Config): RouteRequest {
  const path = route.path.replace(/:[A-Za-z_][\w-]*(\([^)]*\))?/g, "1").replace(/\*$/, "check");
  const buffers = [...config.components.values()].map((c) => c.bodyBufferKb);
  const bufferKb =
    route.target.kind === "component"
      ? (config.components.get(route.target.component)?.bodyBufferKb ?? config.serve.bodyBufferKb)
      : Math.max(config.serve.bodyBufferKb, ...buffers);
  return {
    pattern: route.pattern,
    method: route.method ?? "GET",
    path,
    heldLimitBytes: (bufferKb + 2 * config.serve.bodyBufferKb) * 1024,
  };
}

function selected(config: Config, names: readonly string[] | undefined): RouteConfig[] {
  if (names === undefined || names.length === 0) return config.routes;
  const chosen = config.routes.filter((r) => names.includes(r.pattern) || names.includes(r.path));
  const unknown = names.filter((n) => !config.routes.some((r) => r.pattern === n || r.path === n));
  if (unknown.length > 0) {
    throw new RusmError(
      "RUSM_USAGE",
      `no route ${unknown.map((n) => `"${n}"`).join(", ")} in ${config.file}`,
      {
        hint: `name routes as written in [serve.routes], e.g. ${config.routes
          .slice(0, 3)
          .map((r) => `"${r.pattern}"`)
          .join(", ")}`,
      },
    );
  }
  return chosen;
}

/** Runs the check; the reports per route. Config errors throw as `rusm serve`'s do. */
export async function runCheck(target: string, options: CheckOptions): Promise<RouteReport[]> {
  const file = resolve(target);
  const config = file.endsWith(".wasm") ? await loadComponentConfig(file) : await loadConfig(file);
  const routes = selected(config, options.routes);
  const server = await CheckedServer.start(file, options.cacheDir);
  const reports: RouteReport[] = [];
  try {
    for (const route of routes) {
      const request = requestFor(route, config);
      const rows = await checkRoute(server, request);
      for (const r of rows) {
        options.print(
          `${r.ok ? "ok  " : "FAIL"} ${route.pattern.padEnd(24)} ${r.row.padEnd(15)} ${r.detail}`,
        );
      }
      reports.push({ route: route.pattern, rows });
    }
  } finally {
    await server.stop();
  }
  const rows = reports.flatMap((r) => r.rows);
  const failed = rows.filter((r) => !r.ok).length;
  options.print(
    `${failed === 0 ? "passed" : "FAILED"}: ${reports.length} routes, ${rows.length} rows, ${rows.length - failed} passed, ${failed} failed`,
  );
  if (options.junit !== undefined) await writeJunit(options.junit, config.file, reports);
  return reports;
}

/**
 * The package's builder. It is CommonJS typed as an ES module: Node gives `module.exports` (the
 * builder) as the default import, where its types expect it under `.default`.
 */
const junit = ((junitModule as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** One test suite for the config, a test case per route and row. */
async function writeJunit(
  out: string,
  file: string,
  reports: readonly RouteReport[],
): Promise<void> {
  const builder = junit.newBuilder();
  const suite = builder.testSuite().name(`rusm check ${file}`);
  for (const report of reports) {
    for (const row of report.rows) {
      const test = suite
        .testCase()
        .className(report.route)
        .name(row.row)
        .time(row.ms / 1000);
      if (row.ok) test.standardOutput(row.detail);
      else test.failure(row.detail);
    }
  }
  await writeFile(resolve(out), builder.build());
}

/** Whether every row of every route passed. */
export function allPassed(reports: readonly RouteReport[]): boolean {
  return reports.every((r) => r.rows.every((row) => row.ok));
}
