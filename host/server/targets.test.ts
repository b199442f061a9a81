import { describe, expect, it } from "vitest";
import type { LoadedComponent } from "../component/load.ts";
import type { HandlerModule } from "../component/manifest.ts";
import type { RouteConfig, RouteTargetSpec } from "../config/types.ts";
import { thrownRusmError } from "../errors.test-support.ts";
import { indexModules, resolveTargets } from "./targets.ts";

const FILE = "/srv/app/routes.toml";

/** A loaded component as targets.ts reads it: its spec and its manifest. */
function component(name: string, line: number, modules: HandlerModule[] = []): LoadedComponent {
  return {
    spec: {
      name,
      path: `/srv/app/${name}.wasm`,
      maxMemoryMb: 64,
      bodyBufferKb: 64,
      where: { file: FILE, line, column: 1 },
    },
    modules,
  } as unknown as LoadedComponent;
}

/** A route "GET <path>" on `line`, its value at column 20. */
function route(path: string, target: RouteTargetSpec, line: number): RouteConfig {
  return {
    method: "GET",
    path,
    target,
    pattern: `GET ${path}`,
    where: { file: FILE, line, column: 1 },
    targetWhere: { file: FILE, line, column: 20 },
  };
}

const handler = (module: string, fn: string): RouteTargetSpec => ({
  kind: "handler",
  module,
  function: fn,
});

const ticks = component("ticks", 2);
const app = component("app", 3, [
  {
    name: "api",
    handlers: [
      { name: "feed", kind: "sse" },
      { name: "users", kind: "http" },
    ],
  },
  { name: "admin", handlers: [{ name: "stats", kind: "http" }] },
]);
const components = new Map([
  ["ticks", ticks],
  ["app", app],
]);

describe("indexModules", () => {
  it("maps every module to its component and its functions' kinds", () => {
    const owners = indexModules([ticks, app]);
    expect([...owners.keys()]).toEqual(["api", "admin"]);
    expect(owners.get("api")?.component).toBe(app);
    expect([...owners.get("api")!.kinds]).toEqual([
      ["feed", "sse"],
      ["users", "http"],
    ]);
  });

  it("refuses a module exported by two components, at the second one", () => {
    const other = component("other", 7, [{ name: "api", handlers: [] }]);
    const err = thrownRusmError(() => indexModules([app, other]));
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file: FILE, line: 7, column: 1 });
    expect(err.message).toBe(
      `handler module "api" is exported by two components: "app" (line 3) and "other"`,
    );
    expect(err.hint).toContain("unique");
  });

  it("leaves out the first component's line when it has no location", () => {
    const first = { ...app, spec: { ...app.spec, where: undefined } } as LoadedComponent;
    const other = component("other", 7, [{ name: "api", handlers: [] }]);
    expect(thrownRusmError(() => indexModules([first, other])).message).toBe(
      `handler module "api" is exported by two components: "app" and "other"`,
    );
  });
});

describe("resolveTargets", () => {
  it("resolves a component route to the component, with no handler", () => {
    const [target] = resolveTargets(
      [route("/ticks", { kind: "component", component: "ticks" }, 5)],
      components,
    );
    expect(target).toEqual({ pattern: "GET /ticks", component: ticks, handler: null });
    expect(target!.component).toBe(ticks);
  });

  it("resolves module#function to the owning component, with the handler's kind", () => {
    const targets = resolveTargets(
      [route("/feed", handler("api", "feed"), 5), route("/users", handler("api", "users"), 6)],
      components,
    );
    expect(targets).toEqual([
      {
        pattern: "GET /feed",
        component: app,
        handler: { module: "api", function: "feed", kind: "sse" },
      },
      {
        pattern: "GET /users",
        component: app,
        handler: { module: "api", function: "users", kind: "http" },
      },
    ]);
    expect(targets[0]!.component).toBe(app);
  });

  it("refuses an unknown module at the route's value, listing the exported modules", () => {
    const err = thrownRusmError(() =>
      resolveTargets([route("/x", handler("apx", "feed"), 9)], components),
    );
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file: FILE, line: 9, column: 20 });
    expect(err.message).toBe(
      `route "GET /x" names handler "apx#feed", but no component exports a module "apx" (exported modules: api (app), admin (app))`,
    );
  });

  it("says so when no component exports handler modules", () => {
    const err = thrownRusmError(() =>
      resolveTargets([route("/x", handler("api", "feed"), 9)], new Map([["ticks", ticks]])),
    );
    expect(err.message).toContain("(no component exports handler modules)");
  });

  it("refuses an unknown function at the route's value, listing the module's functions", () => {
    const err = thrownRusmError(() =>
      resolveTargets(
        [route("/feed", handler("api", "feed"), 5), route("/x", handler("api", "fed"), 8)],
        components,
      ),
    );
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file: FILE, line: 8, column: 20 });
    expect(err.message).toBe(
      `route "GET /x" names handler "api#fed", but module "api" (component "app") has no function "fed" (it has: feed, users)`,
    );
  });

  it("lists none for a module without functions", () => {
    const empty = component("empty", 4, [{ name: "nothing", handlers: [] }]);
    const err = thrownRusmError(() =>
      resolveTargets([route("/x", handler("nothing", "x"), 8)], new Map([["empty", empty]])),
    );
    expect(err.message).toContain("(it has: none)");
  });

  it("refuses a module exported by two components before resolving any route", () => {
    const other = component("other", 7, [{ name: "admin", handlers: [] }]);
    const both = new Map([
      ["app", app],
      ["other", other],
    ]);
    const err = thrownRusmError(() =>
      resolveTargets([route("/", { kind: "component", component: "app" }, 9)], both),
    );
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file: FILE, line: 7, column: 1 });
    expect(err.message).toContain(
      `"admin" is exported by two components: "app" (line 3) and "other"`,
    );
  });
});
