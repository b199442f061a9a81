/**
 * @module abi/interfaces/http
 * `wasi:http@0.2.x` imports (types, outgoing-handler) for the lean ABI: every function of the
 * interfaces, with `error-code` and the other variants spelled as in the WIT (wit/deps/http).
 */
import { InterfaceBuilder } from "../signature.ts";
import {
  bool,
  borrow,
  list,
  option,
  own,
  record,
  result,
  string,
  tuple,
  u16,
  u32,
  u64,
  u8,
  variant,
} from "../types.ts";
import { inputStreamRes, ioErrorRes, outputStreamRes, pollableRes } from "./io.ts";

const method = variant({
  get: null,
  head: null,
  post: null,
  put: null,
  delete: null,
  connect: null,
  options: null,
  trace: null,
  patch: null,
  other: string,
});
const scheme = variant({ HTTP: null, HTTPS: null, other: string });
const fieldSize = record({ "field-name": option(string), "field-size": option(u32) });
export const errorCode = variant({
  "DNS-timeout": null,
  "DNS-error": record({ rcode: option(string), "info-code": option(u16) }),
  "destination-not-found": null,
  "destination-unavailable": null,
  "destination-IP-prohibited": null,
  "destination-IP-unroutable": null,
  "connection-refused": null,
  "connection-terminated": null,
  "connection-timeout": null,
  "connection-read-timeout": null,
  "connection-write-timeout": null,
  "connection-limit-reached": null,
  "TLS-protocol-error": null,
  "TLS-certificate-error": null,
  "TLS-alert-received": record({ "alert-id": option(u8), "alert-message": option(string) }),
  "HTTP-request-denied": null,
  "HTTP-request-length-required": null,
  "HTTP-request-body-size": option(u64),
  "HTTP-request-method-invalid": null,
  "HTTP-request-URI-invalid": null,
  "HTTP-request-URI-too-long": null,
  "HTTP-request-header-section-size": option(u32),
  "HTTP-request-header-size": option(fieldSize),
  "HTTP-request-trailer-section-size": option(u32),
  "HTTP-request-trailer-size": fieldSize,
  "HTTP-response-incomplete": null,
  "HTTP-response-header-section-size": option(u32),
  "HTTP-response-header-size": fieldSize,
  "HTTP-response-body-size": option(u64),
  "HTTP-response-trailer-section-size": option(u32),
  "HTTP-response-trailer-size": fieldSize,
  "HTTP-response-transfer-coding": option(string),
  "HTTP-response-content-coding": option(string),
  "HTTP-response-timeout": null,
  "HTTP-upgrade-failed": null,
  "HTTP-protocol-error": null,
  "loop-detected": null,
  "configuration-error": null,
  "internal-error": option(string),
});
const headerError = variant({ "invalid-syntax": null, forbidden: null, immutable: null });

const t = new InterfaceBuilder("wasi:http/types");
const fieldsRes = t.resource("fields");
const incomingRequestRes = t.resource("incoming-request");
const outgoingRequestRes = t.resource("outgoing-request");
const requestOptionsRes = t.resource("request-options");
const responseOutparamRes = t.resource("response-outparam");
const incomingResponseRes = t.resource("incoming-response");
const incomingBodyRes = t.resource("incoming-body");
const futureTrailersRes = t.resource("future-trailers");
const outgoingResponseRes = t.resource("outgoing-response");
const outgoingBodyRes = t.resource("outgoing-body");
const futureIncomingResponseRes = t.resource("future-incoming-response");

/** The resources the host hands to `incoming-handler.handle`. */
export { incomingRequestRes, responseOutparamRes };

const fields = own(fieldsRes);
const bytes = list(u8);
const entries = list(tuple(string, bytes));
const unit = result(null, null);
const optDuration = option(u64);

t.func("http-error-code", [borrow(ioErrorRes)], option(errorCode))
  .ctor(fieldsRes, [])
  .static(fieldsRes, "from-list", [entries], result(fields, headerError))
  .method(fieldsRes, "get", [string], list(bytes))
  .method(fieldsRes, "has", [string], bool)
  .method(fieldsRes, "set", [string, list(bytes)], result(null, headerError))
  .method(fieldsRes, "delete", [string], result(null, headerError))
  .method(fieldsRes, "append", [string, bytes], result(null, headerError))
  .method(fieldsRes, "entries", [], entries)
  .method(fieldsRes, "clone", [], fields)
  .method(incomingRequestRes, "method", [], method)
  .method(incomingRequestRes, "path-with-query", [], option(string))
  .method(incomingRequestRes, "scheme", [], option(scheme))
  .method(incomingRequestRes, "authority", [], option(string))
  .method(incomingRequestRes, "headers", [], fields)
  .method(incomingRequestRes, "consume", [], result(own(incomingBodyRes), null))
  .ctor(outgoingRequestRes, [fields])
  .method(outgoingRequestRes, "body", [], result(own(outgoingBodyRes), null))
  .method(outgoingRequestRes, "method", [], method)
  .method(outgoingRequestRes, "set-method", [method], unit)
  .method(outgoingRequestRes, "path-with-query", [], option(string))
  .method(outgoingRequestRes, "set-path-with-query", [option(string)], unit)
  .method(outgoingRequestRes, "scheme", [], option(scheme))
  .method(outgoingRequestRes, "set-scheme", [option(scheme)], unit)
  .method(outgoingRequestRes, "authority", [], option(string))
  .method(outgoingRequestRes, "set-authority", [option(string)], unit)
  .method(outgoingRequestRes, "headers", [], fields)
  .ctor(requestOptionsRes, [])
  .method(requestOptionsRes, "connect-timeout", [], optDuration)
  .method(requestOptionsRes, "set-connect-timeout", [optDuration], unit)
  .method(requestOptionsRes, "first-byte-timeout", [], optDuration)
  .method(requestOptionsRes, "set-first-byte-timeout", [optDuration], unit)
  .method(requestOptionsRes, "between-bytes-timeout", [], optDuration)
  .method(requestOptionsRes, "set-between-bytes-timeout", [optDuration], unit)
  .method(responseOutparamRes, "send-informational", [u16, fields], result(null, errorCode))
  .static(responseOutparamRes, "set", [
    own(responseOutparamRes),
    result(own(outgoingResponseRes), errorCode),
  ])
  .method(incomingResponseRes, "status", [], u16)
  .method(incomingResponseRes, "headers", [], fields)
  .method(incomingResponseRes, "consume", [], result(own(incomingBodyRes), null))
  .method(incomingBodyRes, "stream", [], result(own(inputStreamRes), null))
  .static(incomingBodyRes, "finish", [own(incomingBodyRes)], own(futureTrailersRes))
  .method(futureTrailersRes, "subscribe", [], own(pollableRes))
  .method(futureTrailersRes, "get", [], option(result(result(option(fields), errorCode), null)))
  .ctor(outgoingResponseRes, [fields])
  .method(outgoingResponseRes, "status-code", [], u16)
  .method(outgoingResponseRes, "set-status-code", [u16], unit)
  .method(outgoingResponseRes, "headers", [], fields)
  .method(outgoingResponseRes, "body", [], result(own(outgoingBodyRes), null))
  .method(outgoingBodyRes, "write", [], result(own(outputStreamRes), null))
  .static(
    outgoingBodyRes,
    "finish",
    [own(outgoingBodyRes), option(fields)],
    result(null, errorCode),
  )
  .method(futureIncomingResponseRes, "subscribe", [], own(pollableRes))
  .method(
    futureIncomingResponseRes,
    "get",
    [],
    option(result(result(own(incomingResponseRes), errorCode), null)),
  );

export const httpTypes = t.build();

export const outgoingHandler = new InterfaceBuilder("wasi:http/outgoing-handler")
  .func(
    "handle",
    [own(outgoingRequestRes), option(own(requestOptionsRes))],
    result(own(futureIncomingResponseRes), errorCode),
  )
  .build();
