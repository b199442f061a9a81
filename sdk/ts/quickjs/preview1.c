/*
 * The wasi_snapshot_preview1 functions wasi-libc calls, defined over WASI 0.2 for rusm's
 * QuickJS engine (engine.c), so its core module needs no preview1 adapter: stdout/stderr
 * writes, clocks, random bytes; exit traps; files do not exist.
 */
#include <stdint.h>
#include <string.h>
#include "imports.h"

/* ---- wasi_snapshot_preview1 as wasi-libc calls it, over WASI 0.2 (no adapter) ---- */

typedef struct { const uint8_t *buf; size_t len; } ciovec;

/* Writes all of p to an output stream (stdout, stderr), 4 KiB at a time; best effort. */
void write_all(int32_t stream, const uint8_t *p, size_t n) {
  uint8_t ret[16] __attribute__((aligned(8)));
  while (n > 0) {
    size_t chunk = n > 4096 ? 4096 : n;
    out_write(stream, p, chunk, ret);
    if (ret[0] != 0) return; /* closed or failed: the log is best effort */
    p += chunk;
    n -= chunk;
  }
}

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, const ciovec *iov, int32_t n,
                                                   uint32_t *written) {
  int32_t stream = fd == 1 ? get_stdout() : get_stderr();
  uint32_t total = 0;
  for (int32_t i = 0; i < n; i++) {
    write_all(stream, iov[i].buf, iov[i].len);
    total += iov[i].len;
  }
  out_drop(stream);
  *written = total;
  return 0;
}

int32_t __imported_wasi_snapshot_preview1_clock_time_get(int32_t id, int64_t precision,
                                                         uint64_t *out) {
  (void)precision;
  if (id == 0) { /* realtime */
    struct { uint64_t s; uint32_t ns; } __attribute__((aligned(8))) now;
    wall_now(&now);
    *out = now.s * 1000000000ull + now.ns;
  } else {
    *out = (uint64_t)mono_now();
  }
  return 0;
}

int32_t __imported_wasi_snapshot_preview1_random_get(uint8_t *buf, int32_t len) {
  for (int32_t i = 0; i < len; i += 8) {
    uint64_t r = (uint64_t)random_u64();
    memcpy(buf + i, &r, len - i < 8 ? (size_t)(len - i) : 8);
  }
  return 0;
}

_Noreturn void __imported_wasi_snapshot_preview1_proc_exit(int32_t code) {
  (void)code;
  __builtin_trap();
}

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) { (void)fd; return 8; }
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t a, int64_t b, int32_t c, void *d) {
  (void)a; (void)b; (void)c; (void)d;
  return 8;
}
int32_t __imported_wasi_snapshot_preview1_fd_fdstat_get(int32_t fd, void *out) {
  (void)fd; (void)out;
  return 8;
}

