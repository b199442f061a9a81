import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { configError, FILE } from "./test-support.ts";

// A component's `source` and `engine` (read by `rusm dev`, ignored by `rusm serve`).

const routes = (component: string): string =>
  `[components]\n${component}\n[serve.routes]\n"GET /" = "app"\n`;

describe("[components] source and engine", () => {
  it("resolves source against the file's directory; engine defaults to StarlingMonkey", () => {
    const config = parseConfig(
      routes(`app = { path = "build/app.wasm", source = "src/app.ts" }`),
      FILE,
    );
    const app = config.components.get("app")!;
    expect(app.path).toBe("/srv/app/build/app.wasm");
    expect(app.source).toBe("/srv/app/src/app.ts");
    expect(app.engine).toBe("starlingmonkey");
  });

  it("reads engine = quickjs, and no source as null", () => {
    const config = parseConfig(
      routes(`app = { path = "app.wasm", engine = "quickjs" }\nb = "b.wasm"`),
      FILE,
    );
    expect(config.components.get("app")!.engine).toBe("quickjs");
    expect(config.components.get("b")!.source).toBeNull();
  });

  it("refuses an unknown engine at its line, naming the two", () => {
    const err = configError(
      routes(`app = { path = "app.wasm", source = "src/app.ts", engine = "v8" }`),
    );
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toMatchObject({ file: FILE, line: 2 });
    expect(err.message).toContain("components.app.engine");
    expect(err.message).toContain('"starlingmonkey" or "quickjs"');
  });

  it("refuses an empty source at its line", () => {
    const err = configError(routes(`app = { path = "app.wasm", source = "" }`));
    expect(err.where).toMatchObject({ file: FILE, line: 2 });
    expect(err.message).toContain("components.app.source");
    expect(err.hint).toContain("rusm dev");
  });
});
