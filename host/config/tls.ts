/**
 * @module config/tls
 * Reads and checks `[serve] tls`'s PEM files when the config is loaded, so that a bad file is
 * reported at its line of routes.toml before anything listens: a file that is missing or
 * unreadable, one that holds no PEM certificate (or private key), a key that is not the
 * certificate's.
 */
import { readFile } from "node:fs/promises";
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { RusmError, type SourceLocation } from "../errors.ts";
import type { TlsConfig } from "./types.ts";

/** How to make a certificate for testing, for the hints. */
export const SELF_SIGNED_HINT =
  "for testing, make a self-signed pair: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out cert.pem";

/**
 * `tls` with its PEM texts read and checked.
 *
 * Errors: `RUSM_FILE_NOT_FOUND` (a file missing or unreadable), `RUSM_CONFIG_INVALID` (not PEM,
 * or a key that does not match the certificate), each at the `cert` or `key` value.
 */
export async function loadTls(tls: TlsConfig): Promise<TlsConfig> {
  const cert = await readPem(tls.certFile, "cert", tls.certWhere);
  const key = await readPem(tls.keyFile, "key", tls.keyWhere);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (cause) {
    throw notPem(
      tls.certFile,
      "cert",
      "a PEM certificate (-----BEGIN CERTIFICATE-----)",
      tls.certWhere,
      cause,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (cause) {
    throw notPem(
      tls.keyFile,
      "key",
      "an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)",
      tls.keyWhere,
      cause,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new RusmError(
      "RUSM_CONFIG_INVALID",
      `serve.tls.key: ${tls.keyFile} is not the private key of the certificate in ${tls.certFile} (${x509.subject.replace(/\n/g, ", ")})`,
      {
        where: tls.keyWhere,
        hint: "name the key the certificate was made with (they come in pairs), or make a new pair",
      },
    );
  }
  return { ...tls, pem: { cert, key } };
}

async function readPem(file: string, name: "cert" | "key", where: SourceLocation): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    const code = cause instanceof Error && "code" in cause ? String(cause.code) : String(cause);
    const missing = code === "ENOENT" || code === "ENOTDIR";
    throw new RusmError(
      "RUSM_FILE_NOT_FOUND",
      `serve.tls.${name}: ${file} ${missing ? "does not exist" : `cannot be read (${code})`}`,
      {
        where,
        hint: missing
          ? `paths are relative to the directory of routes.toml; ${SELF_SIGNED_HINT}`
          : "check the file's permissions: rusm's user must be able to read it",
        cause,
      },
    );
  }
}

function notPem(
  file: string,
  name: "cert" | "key",
  expected: string,
  where: SourceLocation,
  cause: unknown,
): RusmError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RusmError(
    "RUSM_CONFIG_INVALID",
    `serve.tls.${name}: ${file} is not ${expected}: ${why}`,
    {
      where,
      hint: `${name === "cert" ? "cert" : "key"} must name a PEM file; ${SELF_SIGNED_HINT}`,
      cause,
    },
  );
}
