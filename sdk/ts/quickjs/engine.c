/*
 * rusm's QuickJS engine core module (the `quickjs` backend of `rusm build`).
 *
 * QuickJS (2021-03-27, C sources from the npm package `qjsc`) plus this file, compiled by
 * Debian's clang for wasm32-wasi and linked with Debian's wasi-libc into ONE core module whose
 * imports are only canonical-ABI functions of `rusm:guest/handlers` (wit/): the few
 * wasi_snapshot_preview1 functions wasi-libc calls are defined in preview1.c over WASI 0.2, so
 * no preview1 adapter is needed and rusm serves the component on its lean ABI. The imports
 * are declared in imports.h.
 *
 * Exports:
 * - `rusm_init(src, len)`: build time only. Creates the runtime and context, registers the
 *   natives (`__rusm`), evaluates the bundled guest (platform layer + SDK runtime + the
 *   guest's module). The toolchain then snapshots the memory into the module's data
 *   (toolchain/quickjs.ts), as wizer does, and removes this export.
 * - `wasi:http/incoming-handler@0.2.12#handle`: stores the request's handles, calls the JS
 *   `__rusm_dispatch()`, then runs the event loop (jobs, then timers) until nothing is left.
 * - `rusm:guest/manifest@0.1.0#modules`: the manifest the JS runtime computed at build time.
 * - `cabi_realloc`, `memory`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "imports.h"
#include "quickjs.h"

/* ---- the engine ---- */

static JSRuntime *rt;
static JSContext *ctx;
static JSValue dispatch_fn, timers_fn, manifest_val;
static int32_t request_h = -1, outparam_h = -1, out_body_h = -1, out_stream_h = -1;

EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
  (void)old_size;
  if (size == 0) return (void *)align;
  void *p = realloc(old, size);
  if (p == NULL) __builtin_trap();
  return p;
}

static JSValue str_at(const char *p, size_t n) { return JS_NewStringLen(ctx, p, n); }

static int32_t load_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* A JS value as UTF-8 (JS_FreeCString after). */
static const char *cstr(JSValueConst v, size_t *len) { return JS_ToCStringLen(ctx, len, v); }

static void abort_with(const char *msg, size_t len) { proc_abort(msg, len); __builtin_trap(); }

static void abort_exception(const char *where) {
  JSValue exc = JS_GetException(ctx);
  JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
  size_t n1 = 0, n2 = 0;
  const char *m = cstr(exc, &n1);
  const char *s = JS_IsUndefined(stack) ? NULL : cstr(stack, &n2);
  size_t wn = strlen(where);
  char *buf = malloc(wn + n1 + n2 + 8);
  size_t at = 0;
  memcpy(buf, where, wn); at += wn;
  buf[at++] = ' ';
  if (m) { memcpy(buf + at, m, n1); at += n1; }
  if (s) { buf[at++] = '\n'; memcpy(buf + at, s, n2); at += n2; }
  abort_with(buf, at);
}

/* __rusm.target(): null, or [module, function, [[name, value]...], route]. */
static JSValue js_target(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint8_t r[40] __attribute__((aligned(8)));
  ctx_target(r);
  if (r[0] == 0) return JS_NULL;
  JSValue out = JS_NewArray(c);
  JS_SetPropertyUint32(c, out, 0, str_at((char *)load_i32(r + 4), load_i32(r + 8)));
  JS_SetPropertyUint32(c, out, 1, str_at((char *)load_i32(r + 12), load_i32(r + 16)));
  JSValue params = JS_NewArray(c);
  const uint8_t *list = (const uint8_t *)load_i32(r + 20);
  for (int32_t i = 0; i < load_i32(r + 24); i++) {
    const uint8_t *e = list + 16 * i;
    JSValue pair = JS_NewArray(c);
    JS_SetPropertyUint32(c, pair, 0, str_at((char *)load_i32(e), load_i32(e + 4)));
    JS_SetPropertyUint32(c, pair, 1, str_at((char *)load_i32(e + 8), load_i32(e + 12)));
    JS_SetPropertyUint32(c, params, i, pair);
  }
  JS_SetPropertyUint32(c, out, 2, params);
  JS_SetPropertyUint32(c, out, 3, str_at((char *)load_i32(r + 28), load_i32(r + 32)));
  return out;
}

static JSValue js_abort(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t n;
  const char *m = cstr(argv[0], &n);
  abort_with(m ? m : "abort", m ? n : 5);
  return JS_UNDEFINED;
}

static const char *METHODS[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
                                "CONNECT", "OPTIONS", "TRACE", "PATCH"};

/* __rusm.request(): [method, authority, path-with-query, [[name, value]...]]. */
static JSValue js_request(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint8_t r[16] __attribute__((aligned(8)));
  JSValue out = JS_NewArray(c);
  req_method(request_h, r);
  JS_SetPropertyUint32(c, out, 0, r[0] < 9 ? JS_NewString(c, METHODS[r[0]])
                                           : str_at((char *)load_i32(r + 4), load_i32(r + 8)));
  req_authority(request_h, r);
  JS_SetPropertyUint32(c, out, 1, r[0] ? str_at((char *)load_i32(r + 4), load_i32(r + 8))
                                       : JS_NewString(c, "localhost"));
  req_path(request_h, r);
  JS_SetPropertyUint32(c, out, 2, r[0] ? str_at((char *)load_i32(r + 4), load_i32(r + 8))
                                       : JS_NewString(c, "/"));
  int32_t h = req_headers(request_h);
  fields_entries(h, r);
  JSValue headers = JS_NewArray(c);
  const uint8_t *list = (const uint8_t *)load_i32(r);
  for (int32_t i = 0; i < load_i32(r + 4); i++) {
    const uint8_t *e = list + 16 * i;
    JSValue pair = JS_NewArray(c);
    JS_SetPropertyUint32(c, pair, 0, str_at((char *)load_i32(e), load_i32(e + 4)));
    JS_SetPropertyUint32(c, pair, 1, str_at((char *)load_i32(e + 8), load_i32(e + 12)));
    JS_SetPropertyUint32(c, headers, i, pair);
  }
  fields_drop(h);
  JS_SetPropertyUint32(c, out, 3, headers);
  return out;
}

/* __rusm.body(): the whole request body as an ArrayBuffer (blocking reads). */
static JSValue js_body(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint8_t r[16] __attribute__((aligned(8)));
  req_consume(request_h, r);
  if (r[0] != 0) return JS_NewArrayBufferCopy(c, NULL, 0);
  int32_t body = load_i32(r + 4);
  in_body_stream(body, r);
  int32_t stream = load_i32(r + 4);
  size_t len = 0, cap = 0;
  uint8_t *buf = NULL;
  for (;;) {
    in_read(stream, 65536, r);
    if (r[0] != 0) {
      if (load_i32(r + 4) == 0) error_drop(load_i32(r + 8));
      break;
    }
    uint8_t *p = (uint8_t *)load_i32(r + 4);
    size_t n = (size_t)load_i32(r + 8);
    if (len + n > cap) {
      cap = (len + n) * 2;
      buf = realloc(buf, cap);
    }
    memcpy(buf + len, p, n);
    len += n;
    free(p);
  }
  in_drop(stream);
  in_body_drop(body);
  JSValue ab = JS_NewArrayBufferCopy(c, buf, len);
  free(buf);
  return ab;
}

/* __rusm.respond(status, [[name, value]...]): sends the head; false on a bad header. */
static JSValue js_respond(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t status;
  uint8_t r[48] __attribute__((aligned(8)));
  JS_ToInt32(c, &status, argv[0]);
  int32_t h = fields_new();
  JSValue len_v = JS_GetPropertyStr(c, argv[1], "length");
  int32_t n;
  JS_ToInt32(c, &n, len_v);
  for (int32_t i = 0; i < n; i++) {
    JSValue pair = JS_GetPropertyUint32(c, argv[1], i);
    JSValue k = JS_GetPropertyUint32(c, pair, 0), v = JS_GetPropertyUint32(c, pair, 1);
    size_t kn, vn;
    const char *ks = cstr(k, &kn), *vs = cstr(v, &vn);
    fields_append(h, ks, kn, vs, vn, r);
    JS_FreeCString(c, ks);
    JS_FreeCString(c, vs);
    JS_FreeValue(c, k);
    JS_FreeValue(c, v);
    JS_FreeValue(c, pair);
  }
  int32_t resp = resp_new(h);
  resp_status(resp, status);
  resp_body(resp, r);
  out_body_h = load_i32(r + 4);
  outparam_set(outparam_h, 0, resp, 0, 0, 0, 0, 0, 0);
  out_body_write(out_body_h, r);
  out_stream_h = load_i32(r + 4);
  return JS_TRUE;
}

/* __rusm.write(string | ArrayBuffer | typed array): false once the client is gone. */
static JSValue js_write(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint8_t r[16] __attribute__((aligned(8)));
  size_t n = 0;
  const uint8_t *p;
  const char *s = NULL;
  JSValue ab = JS_UNDEFINED;
  if (JS_IsString(argv[0])) {
    s = cstr(argv[0], &n);
    p = (const uint8_t *)s;
  } else {
    size_t off = 0, bpe;
    ab = JS_GetTypedArrayBuffer(c, argv[0], &off, &n, &bpe);
    if (JS_IsException(ab)) {
      JS_FreeValue(c, JS_GetException(c));
      p = JS_GetArrayBuffer(c, &n, argv[0]);
      ab = JS_UNDEFINED;
    } else {
      size_t total;
      p = JS_GetArrayBuffer(c, &total, ab) + off;
    }
  }
  int ok = 1;
  while (n > 0) {
    size_t chunk = n > 4096 ? 4096 : n;
    out_write(out_stream_h, p, chunk, r);
    if (r[0] != 0) {
      if (load_i32(r + 4) == 0) error_drop(load_i32(r + 8));
      ok = 0;
      break;
    }
    p += chunk;
    n -= chunk;
  }
  if (s) JS_FreeCString(c, s);
  JS_FreeValue(c, ab);
  return JS_NewBool(c, ok);
}

static JSValue js_finish(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint8_t r[48] __attribute__((aligned(8)));
  if (out_body_h < 0) return JS_UNDEFINED;
  out_drop(out_stream_h);
  out_body_finish(out_body_h, 0, 0, r);
  out_body_h = out_stream_h = -1;
  return JS_UNDEFINED;
}

static JSValue js_sse_open(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  return JS_NewInt32(c, sse_open());
}

/* __rusm.sseOpenWith(status, [[name, value], ...]): the list as the canonical ABI lays out a
 * list<tuple<string, string>>: per pair, name ptr, name len, value ptr, value len. */
static JSValue js_sse_open_with(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t status, n;
  JS_ToInt32(c, &status, argv[0]);
  JSValue len_v = JS_GetPropertyStr(c, argv[1], "length");
  JS_ToInt32(c, &n, len_v);
  uint32_t *list = n > 0 ? malloc((size_t)n * 16) : NULL;
  const char **held = n > 0 ? malloc((size_t)n * 2 * sizeof(char *)) : NULL;
  for (int32_t i = 0; i < n; i++) {
    JSValue pair = JS_GetPropertyUint32(c, argv[1], i);
    JSValue k = JS_GetPropertyUint32(c, pair, 0), v = JS_GetPropertyUint32(c, pair, 1);
    size_t kn, vn;
    held[2 * i] = cstr(k, &kn);
    held[2 * i + 1] = cstr(v, &vn);
    list[4 * i] = (uint32_t)(uintptr_t)held[2 * i];
    list[4 * i + 1] = (uint32_t)kn;
    list[4 * i + 2] = (uint32_t)(uintptr_t)held[2 * i + 1];
    list[4 * i + 3] = (uint32_t)vn;
    JS_FreeValue(c, k);
    JS_FreeValue(c, v);
    JS_FreeValue(c, pair);
  }
  int32_t stream = sse_open_with(status, list, (size_t)n);
  for (int32_t i = 0; i < 2 * n; i++) JS_FreeCString(c, held[i]);
  free(held);
  free(list);
  return JS_NewInt32(c, stream);
}

/* __rusm.sse(op, handle, a, b, c, d): the event-stream methods, one native. */
static JSValue js_sse(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t op, h;
  JS_ToInt32(c, &op, argv[0]);
  JS_ToInt32(c, &h, argv[1]);
  size_t an = 0, bn = 0, dn = 0;
  const char *a = NULL, *b = NULL, *d = NULL;
  int32_t ok = 0;
  switch (op) {
  case 0: /* data(a) */
    a = cstr(argv[2], &an);
    ok = sse_data(h, a, an);
    break;
  case 1: /* event(a, b) */
    a = cstr(argv[2], &an);
    b = cstr(argv[3], &bn);
    ok = sse_event(h, a, an, b, bn);
    break;
  case 2: { /* send(name?, data, id?, retry?) */
    int has_name = !JS_IsUndefined(argv[2]) && !JS_IsNull(argv[2]);
    int has_id = !JS_IsUndefined(argv[4]) && !JS_IsNull(argv[4]);
    int has_retry = !JS_IsUndefined(argv[5]) && !JS_IsNull(argv[5]);
    int32_t retry = 0;
    if (has_name) a = cstr(argv[2], &an);
    b = cstr(argv[3], &bn);
    if (has_id) d = cstr(argv[4], &dn);
    if (has_retry) JS_ToInt32(c, &retry, argv[5]);
    ok = sse_send(h, has_name, a, an, b, bn, has_id, d, dn, has_retry, retry);
    break;
  }
  case 3: /* comment(a) */
    a = cstr(argv[2], &an);
    ok = sse_comment(h, a, an);
    break;
  case 4: { /* next(ms): null or [topic, data] */
    int32_t ms;
    uint8_t r[24] __attribute__((aligned(8)));
    JS_ToInt32(c, &ms, argv[2]);
    sse_next(h, ms, r);
    if (r[0] == 0) return JS_NULL;
    JSValue out = JS_NewArray(c);
    char *tp = (char *)load_i32(r + 4), *dp = (char *)load_i32(r + 12);
    JS_SetPropertyUint32(c, out, 0, str_at(tp, load_i32(r + 8)));
    JS_SetPropertyUint32(c, out, 1, str_at(dp, load_i32(r + 16)));
    free(tp);
    free(dp);
    return out;
  }
  case 5: { /* run(ms) */
    int32_t ms;
    JS_ToInt32(c, &ms, argv[2]);
    sse_run(h, ms);
    return JS_UNDEFINED;
  }
  case 6: /* finish() */
    sse_finish(h);
    return JS_UNDEFINED;
  }
  if (a) JS_FreeCString(c, a);
  if (b) JS_FreeCString(c, b);
  if (d) JS_FreeCString(c, d);
  return JS_NewBool(c, ok);
}

/* __rusm.broker(op, topic, data | ms): subscribe 0, unsubscribe 1, publish 2, receive 3. */
static JSValue js_broker(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t op;
  JS_ToInt32(c, &op, argv[0]);
  if (op == 3) {
    int32_t ms;
    uint8_t r[24] __attribute__((aligned(8)));
    JS_ToInt32(c, &ms, argv[1]);
    mailbox_receive(ms, r);
    JSValue out = JS_NewArray(c);
    JS_SetPropertyUint32(c, out, 0, JS_NewInt32(c, r[0]));
    if (r[0] == 0) {
      char *tp = (char *)load_i32(r + 4), *dp = (char *)load_i32(r + 12);
      JS_SetPropertyUint32(c, out, 1, str_at(tp, load_i32(r + 8)));
      JS_SetPropertyUint32(c, out, 2, str_at(dp, load_i32(r + 16)));
      free(tp);
      free(dp);
    }
    return out;
  }
  size_t tn, dn;
  const char *t = cstr(argv[1], &tn);
  JSValue ret = JS_UNDEFINED;
  if (op == 0) broker_subscribe(t, tn);
  if (op == 1) broker_unsubscribe(t, tn);
  if (op == 2) {
    const char *d = cstr(argv[2], &dn);
    ret = JS_NewInt32(c, broker_publish(t, tn, d, dn));
    JS_FreeCString(c, d);
  }
  JS_FreeCString(c, t);
  return ret;
}

/* __rusm.print(fd, text): a line to stdout (1) or stderr (2). */
static JSValue js_print(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t fd;
  size_t n;
  JS_ToInt32(c, &fd, argv[0]);
  const char *s = cstr(argv[1], &n);
  int32_t stream = fd == 1 ? get_stdout() : get_stderr();
  write_all(stream, (const uint8_t *)s, n);
  write_all(stream, (const uint8_t *)"\n", 1);
  out_drop(stream);
  JS_FreeCString(c, s);
  return JS_UNDEFINED;
}

/* __rusm.now(): monotonic milliseconds; __rusm.sleep(ms): parks; __rusm.random(): [0, 1). */
static JSValue js_now(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  return JS_NewFloat64(c, (double)(uint64_t)mono_now() / 1e6);
}

static JSValue js_sleep(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  double ms;
  JS_ToFloat64(c, &ms, argv[0]);
  int32_t p = mono_sub(ms <= 0 ? 0 : (int64_t)(ms * 1e6));
  pollable_block(p);
  pollable_drop(p);
  return JS_UNDEFINED;
}

static JSValue js_random(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  return JS_NewFloat64(c, (double)((uint64_t)random_u64() >> 11) / 9007199254740992.0);
}

static const JSCFunctionListEntry NATIVES[] = {
    JS_CFUNC_DEF("target", 0, js_target),     JS_CFUNC_DEF("abort", 1, js_abort),
    JS_CFUNC_DEF("request", 0, js_request),   JS_CFUNC_DEF("body", 0, js_body),
    JS_CFUNC_DEF("respond", 2, js_respond),   JS_CFUNC_DEF("write", 1, js_write),
    JS_CFUNC_DEF("finish", 0, js_finish),     JS_CFUNC_DEF("sseOpen", 0, js_sse_open),
    JS_CFUNC_DEF("sseOpenWith", 2, js_sse_open_with),
    JS_CFUNC_DEF("sse", 6, js_sse),           JS_CFUNC_DEF("broker", 3, js_broker),
    JS_CFUNC_DEF("print", 2, js_print),       JS_CFUNC_DEF("now", 0, js_now),
    JS_CFUNC_DEF("sleep", 1, js_sleep),       JS_CFUNC_DEF("random", 0, js_random),
};

/* Build time: the engine, the natives, the guest's bundle evaluated. 0 on success; else the
 * exception's text is left at the returned pointer (NUL-terminated). */
extern void __wasm_call_ctors(void);
EXPORT("rusm_init") const char *rusm_init(const char *src, size_t len) {
  __wasm_call_ctors();
  rt = JS_NewRuntime();
  ctx = JS_NewContext(rt);
  JSValue global = JS_GetGlobalObject(ctx);
  JSValue natives = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, natives, NATIVES, sizeof NATIVES / sizeof NATIVES[0]);
  JS_SetPropertyStr(ctx, global, "__rusm", natives);
  JSValue result = JS_Eval(ctx, src, len, "guest.js", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(result)) {
    JSValue exc = JS_GetException(ctx);
    JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
    const char *m = JS_ToCString(ctx, exc), *s = JS_ToCString(ctx, stack);
    size_t n1 = strlen(m), n2 = s ? strlen(s) : 0;
    char *buf = malloc(n1 + n2 + 2);
    memcpy(buf, m, n1);
    buf[n1] = '\n';
    if (s) memcpy(buf + n1 + 1, s, n2);
    buf[n1 + 1 + n2] = 0;
    return buf;
  }
  JS_FreeValue(ctx, result);
  while (JS_IsJobPending(rt)) {
    JSContext *c;
    JS_ExecutePendingJob(rt, &c);
  }
  dispatch_fn = JS_GetPropertyStr(ctx, global, "__rusm_dispatch");
  timers_fn = JS_GetPropertyStr(ctx, global, "__rusm_timers");
  manifest_val = JS_GetPropertyStr(ctx, global, "__rusm_manifest");
  JS_FreeValue(ctx, global);
  JS_RunGC(rt);
  return 0;
}

/* Runs promise jobs; an exception out of one is a crash. */
static void drain_jobs(void) {
  JSContext *c;
  while (JS_IsJobPending(rt)) {
    if (JS_ExecutePendingJob(rt, &c) < 0) abort_exception("a promise job threw");
  }
}

EXPORT("wasi:http/incoming-handler@0.2.12#handle")
void handle(int32_t request, int32_t outparam) {
  request_h = request;
  outparam_h = outparam;
  JSValue r = JS_Call(ctx, dispatch_fn, JS_UNDEFINED, 0, NULL);
  if (JS_IsException(r)) abort_exception("the request handler threw");
  JS_FreeValue(ctx, r);
  for (;;) {
    drain_jobs();
    /* __rusm_timers(): runs due timers; returns ms to the next one, or -1 when none. */
    JSValue next = JS_Call(ctx, timers_fn, JS_UNDEFINED, 0, NULL);
    if (JS_IsException(next)) abort_exception("a timer threw");
    double ms;
    JS_ToFloat64(ctx, &ms, next);
    if (ms < 0 && !JS_IsJobPending(rt)) break;
    if (ms > 0) {
      int32_t p = mono_sub((int64_t)(ms * 1e6));
      pollable_block(p);
      pollable_drop(p);
    }
  }
}

/* The manifest the runtime computed at build time: [[module, [[name, kind]...]]...]. */
EXPORT("rusm:guest/manifest@0.1.0#modules") void *modules(void) {
  JSValue len_v = JS_GetPropertyStr(ctx, manifest_val, "length");
  int32_t n;
  JS_ToInt32(ctx, &n, len_v);
  int32_t *mods = malloc(16 * (n ? n : 1));
  for (int32_t i = 0; i < n; i++) {
    JSValue m = JS_GetPropertyUint32(ctx, manifest_val, i);
    size_t name_n;
    const char *name = cstr(JS_GetPropertyUint32(ctx, m, 0), &name_n);
    JSValue hs = JS_GetPropertyUint32(ctx, m, 1);
    int32_t hn;
    JS_ToInt32(ctx, &hn, JS_GetPropertyStr(ctx, hs, "length"));
    int32_t *handlers = malloc(12 * (hn ? hn : 1));
    for (int32_t j = 0; j < hn; j++) {
      JSValue h = JS_GetPropertyUint32(ctx, hs, j);
      size_t hname_n;
      const char *hname = cstr(JS_GetPropertyUint32(ctx, h, 0), &hname_n);
      int32_t kind;
      JS_ToInt32(ctx, &kind, JS_GetPropertyUint32(ctx, h, 1));
      handlers[3 * j] = (int32_t)hname;
      handlers[3 * j + 1] = (int32_t)hname_n;
      handlers[3 * j + 2] = kind;
    }
    mods[4 * i] = (int32_t)name;
    mods[4 * i + 1] = (int32_t)name_n;
    mods[4 * i + 2] = (int32_t)handlers;
    mods[4 * i + 3] = hn;
  }
  int32_t *ret = malloc(8);
  ret[0] = (int32_t)mods;
  ret[1] = n;
  return ret;
}
