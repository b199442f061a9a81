/*
 * The canonical-ABI imports of rusm's QuickJS engine (sdk/ts/quickjs/engine.c,
 * preview1.c): functions of `rusm:guest/handlers` only (WASI 0.2.12, rusm:guest@0.1.0,
 * rusm:pubsub@0.1.0), as the component's world declares them (wit/).
 */
#ifndef RUSM_QUICKJS_IMPORTS_H
#define RUSM_QUICKJS_IMPORTS_H
#include <stddef.h>
#include <stdint.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

/* ---- canonical-ABI imports (WASI 0.2.12, rusm:guest@0.1.0, rusm:pubsub@0.1.0) ---- */

#define HTTP "wasi:http/types@0.2.12"
IMPORT(HTTP, "[method]incoming-request.method") void req_method(int32_t, void *);
IMPORT(HTTP, "[method]incoming-request.path-with-query") void req_path(int32_t, void *);
IMPORT(HTTP, "[method]incoming-request.authority") void req_authority(int32_t, void *);
IMPORT(HTTP, "[method]incoming-request.headers") int32_t req_headers(int32_t);
IMPORT(HTTP, "[method]incoming-request.consume") void req_consume(int32_t, void *);
IMPORT(HTTP, "[method]incoming-body.stream") void in_body_stream(int32_t, void *);
IMPORT(HTTP, "[resource-drop]incoming-body") void in_body_drop(int32_t);
IMPORT(HTTP, "[resource-drop]incoming-request") void req_drop(int32_t);
IMPORT(HTTP, "[constructor]fields") int32_t fields_new(void);
IMPORT(HTTP, "[method]fields.entries") void fields_entries(int32_t, void *);
IMPORT(HTTP, "[method]fields.append")
void fields_append(int32_t, const char *, size_t, const char *, size_t, void *);
IMPORT(HTTP, "[resource-drop]fields") void fields_drop(int32_t);
IMPORT(HTTP, "[constructor]outgoing-response") int32_t resp_new(int32_t);
IMPORT(HTTP, "[method]outgoing-response.set-status-code") int32_t resp_status(int32_t, int32_t);
IMPORT(HTTP, "[method]outgoing-response.body") void resp_body(int32_t, void *);
IMPORT(HTTP, "[method]outgoing-body.write") void out_body_write(int32_t, void *);
IMPORT(HTTP, "[static]outgoing-body.finish") void out_body_finish(int32_t, int32_t, int32_t, void *);
IMPORT(HTTP, "[static]response-outparam.set")
void outparam_set(int32_t, int32_t, int32_t, int32_t, int64_t, int32_t, int32_t, int32_t, int32_t);

#define STREAMS "wasi:io/streams@0.2.12"
IMPORT(STREAMS, "[method]input-stream.blocking-read") void in_read(int32_t, int64_t, void *);
IMPORT(STREAMS, "[resource-drop]input-stream") void in_drop(int32_t);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_write(int32_t, const void *, size_t, void *);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(int32_t);
IMPORT("wasi:io/error@0.2.12", "[resource-drop]error") void error_drop(int32_t);
IMPORT("wasi:io/poll@0.2.12", "[method]pollable.block") void pollable_block(int32_t);
IMPORT("wasi:io/poll@0.2.12", "[resource-drop]pollable") void pollable_drop(int32_t);
IMPORT("wasi:clocks/monotonic-clock@0.2.12", "now") int64_t mono_now(void);
IMPORT("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration") int32_t mono_sub(int64_t);
IMPORT("wasi:clocks/wall-clock@0.2.12", "now") void wall_now(void *);
IMPORT("wasi:random/random@0.2.12", "get-random-u64") int64_t random_u64(void);
IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") int32_t get_stdout(void);
IMPORT("wasi:cli/stderr@0.2.12", "get-stderr") int32_t get_stderr(void);

IMPORT("rusm:guest/context@0.1.0", "target") void ctx_target(void *);
IMPORT("rusm:guest/process@0.1.0", "abort") void proc_abort(const char *, size_t);
#define SSE "rusm:guest/sse@0.1.0"
IMPORT(SSE, "open") int32_t sse_open(void);
IMPORT(SSE, "open-with") int32_t sse_open_with(int32_t status, const void *headers, size_t n);
IMPORT(SSE, "[method]event-stream.data") int32_t sse_data(int32_t, const char *, size_t);
IMPORT(SSE, "[method]event-stream.event")
int32_t sse_event(int32_t, const char *, size_t, const char *, size_t);
IMPORT(SSE, "[method]event-stream.send")
int32_t sse_send(int32_t, int32_t, const char *, size_t, const char *, size_t, int32_t,
                 const char *, size_t, int32_t, int32_t);
IMPORT(SSE, "[method]event-stream.comment") int32_t sse_comment(int32_t, const char *, size_t);
IMPORT(SSE, "[method]event-stream.next") void sse_next(int32_t, int32_t, void *);
IMPORT(SSE, "[method]event-stream.run") void sse_run(int32_t, int32_t);
IMPORT(SSE, "[method]event-stream.finish") void sse_finish(int32_t);
IMPORT("rusm:pubsub/broker@0.1.0", "subscribe") void broker_subscribe(const char *, size_t);
IMPORT("rusm:pubsub/broker@0.1.0", "unsubscribe") void broker_unsubscribe(const char *, size_t);
IMPORT("rusm:pubsub/broker@0.1.0", "publish")
int32_t broker_publish(const char *, size_t, const char *, size_t);
IMPORT("rusm:pubsub/mailbox@0.1.0", "receive") void mailbox_receive(int32_t, void *);


/* preview1.c: writes all of p to an output stream (stdout, stderr); best effort. */
void write_all(int32_t stream, const uint8_t *p, size_t n);

#endif
