/*
 * A probe, not part of rusm: maps a linear memory's initial bytes copy-on-write from one
 * in-memory file holding the module's image, as a native host (wasmtime) does, so that
 * scripts/bench/ts-live/anatomy.ts --cow can measure what a parked process would hold if the
 * image's pages were shared. Node has no mmap; V8 none for a WebAssembly.Memory. Built by
 * anatomy.ts with the system's cc against Node-API (node_api.h).
 *
 *   image(bytes: Uint8Array): number       a memfd holding `bytes` (its size rounded to pages)
 *   map(address, length, fd): void         mmap(MAP_PRIVATE | MAP_FIXED) of fd over the memory
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value fail(napi_env env, const char *what) {
  napi_throw_error(env, NULL, what);
  return NULL;
}

static napi_value image(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data;
  size_t length;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok)
    return fail(env, "image: a Uint8Array");
  int fd = memfd_create("rusm-image", MFD_CLOEXEC);
  if (fd < 0) return fail(env, strerror(errno));
  size_t done = 0;
  while (done < length) {
    ssize_t n = write(fd, (char *)data + done, length - done);
    if (n <= 0) return fail(env, strerror(errno));
    done += (size_t)n;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  double address, length;
  int32_t fd;
  napi_get_value_double(env, argv[0], &address);
  napi_get_value_double(env, argv[1], &length);
  napi_get_value_int32(env, argv[2], &fd);
  void *at = mmap((void *)(uintptr_t)address, (size_t)length, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_FIXED, fd, 0);
  if (at == MAP_FAILED) return fail(env, strerror(errno));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "image", NAPI_AUTO_LENGTH, image, NULL, &f);
  napi_set_named_property(env, exports, "image", f);
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &f);
  napi_set_named_property(env, exports, "map", f);
  return exports;
}
