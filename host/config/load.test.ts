import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RusmError } from "../errors.ts";
import { rejectedRusmError } from "../errors.test-support.ts";
import { useTempDir } from "../temp-dir.test-support.ts";
import { loadConfig } from "./load.ts";

const tmp = useTempDir("rusm-config-");
const write = tmp.write;

beforeAll(async () => {
  await mkdir(join(tmp.path, "guests"));
  await writeFile(join(tmp.path, "guests", "app.wasm"), "");
});

const loadError = (path: string): Promise<RusmError> => rejectedRusmError(() => loadConfig(path));

describe("loadConfig", () => {
  it("loads a file whose components exist, paths relative to the file", async () => {
    const file = await write(
      "ok.toml",
      `[components]\napp = "guests/app.wasm"\n[serve.routes]\n"GET /" = "app"\n`,
    );
    const config = await loadConfig(file);
    expect(config.file).toBe(file);
    expect(config.components.get("app")?.path).toBe(join(tmp.path, "guests", "app.wasm"));
  });

  it("ignores a UTF-8 byte order mark", async () => {
    const file = await write(
      "bom.toml",
      `\uFEFF[components]\napp = "guests/app.wasm"\n[serve.routes]\n"/" = "app"\n`,
    );
    await expect(loadConfig(file)).resolves.toMatchObject({ routes: [{ pattern: "/" }] });
  });

  it("reports a missing config file as RUSM_FILE_NOT_FOUND", async () => {
    const err = await loadError(join(tmp.path, "nope.toml"));
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.message).toContain(`${join(tmp.path, "nope.toml")} does not exist`);
    expect(err.hint).toContain("routes.toml");
    expect(err.where).toBeUndefined();
  });

  it("reports a directory passed as the config file", async () => {
    const err = await loadError(tmp.path);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.message).toContain("is not a regular file");
  });

  it("reports a missing component file at its path value", async () => {
    const text = `[components]\napp = "guests/app.wasm"\n[components.gone]\npath = "guests/gone.wasm"\n[serve.routes]\n"GET /" = "app"\n`;
    const file = await write("missing.toml", text);
    const err = await loadError(file);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.where).toEqual({ file, line: 4, column: 8 });
    expect(err.message).toContain("components.gone");
    expect(err.message).toContain(join(tmp.path, "guests", "gone.wasm"));
    expect(err.hint).toContain(tmp.path);
  });

  it("reports a component path that is a directory", async () => {
    const file = await write(
      "dir.toml",
      `[components]\napp = "guests"\n[serve.routes]\n"GET /" = "app"\n`,
    );
    const err = await loadError(file);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.where).toEqual({ file, line: 2, column: 7 });
  });

  it("passes schema errors through, with the absolute file", async () => {
    const file = await write("bad.toml", `[serve]\nmax-memory-mb = 0\n`);
    const err = await loadError(file);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file, line: 2, column: 17 });
  });
});
