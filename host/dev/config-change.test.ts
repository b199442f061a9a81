import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.ts";
import { configChange } from "./config-change.ts";

const FILE = "/srv/app/routes.toml";
const BASE = `[serve]
listen = "127.0.0.1:8080"

[components]
app = { path = "app.wasm", source = "src/app.ts" }
other = "other.wasm"

[serve.routes]
"GET /" = "app"
"GET /other" = "other"
`;

const change = (next: string) => configChange(parseConfig(BASE, FILE), parseConfig(next, FILE));

describe("configChange (what a new routes.toml changes for rusm dev)", () => {
  it("sees no change in the same file with lines moved", () => {
    const moved = `# a comment\n\n${BASE}`;
    expect(change(moved)).toEqual({
      components: new Set(),
      removed: [],
      routesChanged: false,
      needRestart: [],
    });
  });

  it("names components added or with changed settings, and those removed", () => {
    const next = BASE.replace(`"app.wasm"`, `"app.wasm", max-memory-mb = 256`)
      .replace(`other = "other.wasm"`, `third = "third.wasm"`)
      .replace(`"GET /other" = "other"`, `"GET /third" = "third"`);
    const c = change(next);
    expect([...c.components].sort()).toEqual(["app", "third"]);
    expect(c.removed).toEqual(["other"]);
    expect(c.routesChanged).toBe(true);
    expect(c.needRestart).toEqual([]);
  });

  it("applies a [serve] component default live, through the components", () => {
    const c = change(
      BASE.replace(`listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:8080"\nmax-cpu-ms = 5`),
    );
    expect([...c.components].sort()).toEqual(["app", "other"]);
    expect(c.needRestart).toEqual([]);
  });

  it("says what needs a restart: listen, other [serve] settings, [admin], [broker]", () => {
    const next = BASE.replace("8080", "8081").replace(
      `listen = "127.0.0.1:8081"`,
      `listen = "127.0.0.1:8081"\nworkers = 2\ndrain-ms = 5\n[admin]\nlisten = "127.0.0.1:9464"\n[broker]\nmailbox = 8`,
    );
    expect(change(next).needRestart).toEqual([
      "[serve] listen",
      "[serve] workers",
      "[serve] drain-ms",
      "[admin]",
      "[broker]",
    ]);
  });
});
