/**
 * @module wasi/http/outbound/error-map
 * What went wrong with an outbound request, as a WIT `error-code` (preview3-shim's
 * `http/error.ts` `from(err)`): undici's error codes, Node's errno and DNS codes, OpenSSL's TLS
 * reasons, and rusm's own refusals. Anything unknown is `internal-error` with its message.
 */
import type { ErrorCode } from "../error-code.ts";

/** Errno and DNS codes, by the error code they mean. */
const BY_CODE: Record<string, ErrorCode> = {
  UND_ERR_CONNECT_TIMEOUT: { tag: "connection-timeout" },
  ETIMEDOUT: { tag: "connection-timeout" },
  UND_ERR_HEADERS_TIMEOUT: { tag: "connection-read-timeout" },
  UND_ERR_BODY_TIMEOUT: { tag: "connection-read-timeout" },
  UND_ERR_HEADERS_OVERFLOW: { tag: "HTTP-response-header-section-size", val: undefined },
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: { tag: "HTTP-request-body-size", val: undefined },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { tag: "HTTP-response-body-size", val: undefined },
  UND_ERR_RES_EXCEEDED_MAX_SIZE: { tag: "HTTP-response-body-size", val: undefined },
  UND_ERR_SOCKET: { tag: "connection-terminated" },
  UND_ERR_CLOSED: { tag: "connection-terminated" },
  UND_ERR_DESTROYED: { tag: "connection-terminated" },
  ECONNRESET: { tag: "connection-terminated" },
  EPIPE: { tag: "connection-terminated" },
  ECONNREFUSED: { tag: "connection-refused" },
  EHOSTUNREACH: { tag: "destination-unavailable" },
  EHOSTDOWN: { tag: "destination-unavailable" },
  ENETUNREACH: { tag: "destination-IP-unroutable" },
  EADDRNOTAVAIL: { tag: "destination-IP-unroutable" },
  HPE_INVALID_CONSTANT: { tag: "HTTP-protocol-error" },
  RUSM_OUTBOUND_ADDRESS_DENIED: { tag: "destination-IP-prohibited" },
  EAI_AGAIN: { tag: "DNS-timeout" },
};

const DNS_CODES = new Set(["ENOTFOUND", "ENODATA", "EAI_NONAME", "EAI_FAIL", "ESERVFAIL"]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The WIT `error-code` for an outbound request's failure. */
export function errorCodeFrom(err: unknown): ErrorCode {
  // net.connect with several addresses fails with an AggregateError of each attempt's error.
  if (err instanceof AggregateError && err.errors.length > 0 && codeOf(err) === undefined) {
    return errorCodeFrom(err.errors[0]);
  }
  const code = codeOf(err);
  if (code !== undefined) {
    const known = BY_CODE[code];
    if (known !== undefined) return known;
    if (DNS_CODES.has(code)) return { tag: "DNS-error", val: { rcode: code, infoCode: undefined } };
    if (code.startsWith("HPE_")) return { tag: "HTTP-protocol-error" };
    if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/.test(code)) {
      return { tag: "TLS-certificate-error" };
    }
    if (/ALERT/.test(code)) {
      const message = err instanceof Error ? err.message : code;
      return { tag: "TLS-alert-received", val: { alertId: undefined, alertMessage: message } };
    }
    if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS")) {
      return { tag: "TLS-protocol-error" };
    }
  }
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause !== undefined && cause !== err) return errorCodeFrom(cause);
  const message = err instanceof Error ? err.message : String(err);
  return { tag: "internal-error", val: message };
}

/** A short name for the metrics' `status` label of a failed request. */
export function errorLabel(code: ErrorCode): string {
  return code.tag;
}
