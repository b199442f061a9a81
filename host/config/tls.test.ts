import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RusmError } from "../errors.ts";
import { rejectedRusmError } from "../errors.test-support.ts";
import { useTempDir } from "../temp-dir.test-support.ts";
import { loadConfig } from "./load.ts";

const tmp = useTempDir("rusm-tls-");

/** A self-signed pair made with the openssl CLI (scripts/test-deps.ts installs it). */
function pair(prefix: string): void {
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-days", "1", "-subj", "/CN=localhost"],
      ...[
        "-keyout",
        join(tmp.path, `${prefix}key.pem`),
        "-out",
        join(tmp.path, `${prefix}cert.pem`),
      ],
    ],
    { stdio: "ignore" },
  );
}

beforeAll(async () => {
  pair("");
  pair("other-");
  await writeFile(join(tmp.path, "app.wasm"), "");
  await writeFile(join(tmp.path, "junk.pem"), "not a certificate\n");
});

/** A routes.toml whose line 3 is the `tls` table. */
const routes = (tls: string): string =>
  `[serve]\nlisten = "127.0.0.1:0"\ntls = ${tls}\n[components]\napp = "app.wasm"\n[serve.routes]\n"GET /" = "app"\n`;

const loadError = async (tls: string): Promise<{ err: RusmError; file: string }> => {
  const file = await tmp.write("routes.toml", routes(tls));
  return { err: await rejectedRusmError(() => loadConfig(file)), file };
};

describe("[serve] tls", () => {
  it("loads a matching pair, paths relative to routes.toml", async () => {
    const file = await tmp.write("routes.toml", routes(`{ cert = "cert.pem", key = "key.pem" }`));
    const tls = (await loadConfig(file)).serve.tls;
    expect(tls?.certFile).toBe(join(tmp.path, "cert.pem"));
    expect(tls?.pem?.cert).toContain("-----BEGIN CERTIFICATE-----");
    expect(tls?.pem?.key).toContain("PRIVATE KEY-----");
  });

  it("is off by default", async () => {
    const file = await tmp.write(
      "plain.toml",
      `[components]\napp = "app.wasm"\n[serve.routes]\n"GET /" = "app"\n`,
    );
    expect((await loadConfig(file)).serve.tls).toBeNull();
  });

  it("reports a missing file at its value, with how to make a pair", async () => {
    const { err, file } = await loadError(`{ cert = "nope.pem", key = "key.pem" }`);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.where).toEqual({ file, line: 3, column: 16 });
    expect(err.message).toBe(`serve.tls.cert: ${join(tmp.path, "nope.pem")} does not exist`);
    expect(err.hint).toContain("openssl req -x509");
  });

  it("reports a file that cannot be read (a directory)", async () => {
    await mkdir(join(tmp.path, "dir.pem"), { recursive: true });
    const { err } = await loadError(`{ cert = "cert.pem", key = "dir.pem" }`);
    expect(err.code).toBe("RUSM_FILE_NOT_FOUND");
    expect(err.message).toContain("cannot be read (EISDIR)");
    expect(err.hint).toContain("permissions");
  });

  it("reports a file that is not a PEM certificate", async () => {
    const { err, file } = await loadError(`{ cert = "junk.pem", key = "key.pem" }`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file, line: 3, column: 16 });
    expect(err.message).toContain("is not a PEM certificate");
  });

  it("reports a key that is not a PEM private key, at the key's value", async () => {
    const { err, file } = await loadError(`{ cert = "cert.pem", key = "cert.pem" }`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.where).toEqual({ file, line: 3, column: 34 });
    expect(err.message).toContain("is not an unencrypted PEM private key");
  });

  it("reports a key that is not the certificate's", async () => {
    const { err } = await loadError(`{ cert = "cert.pem", key = "other-key.pem" }`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.message).toContain("is not the private key of the certificate");
    expect(err.hint).toContain("pairs");
  });

  it("rejects an unknown key in the table", async () => {
    const { err } = await loadError(`{ cert = "cert.pem", key = "key.pem", ca = "x" }`);
    expect(err.code).toBe("RUSM_CONFIG_INVALID");
    expect(err.message).toContain("ca");
  });
});
