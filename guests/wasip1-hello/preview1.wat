;; wasip1-hello: a guest module shaped like a wasm32-wasip1 toolchain's output (it imports
;; wasi_snapshot_preview1 as well as wasi:http), made a component with the preview1 adapter.
;; Writes one line to stdout with fd_write, reads random_get and clock_time_get, and answers
;; 200 text/plain:
;;   hello from wasip1
;;   stdout: ok        (fd_write returned errno 0 and wrote the whole line)
;;   random: ok        (random_get returned errno 0 and 16 bytes that are not all zero)
;;   clock: ok         (clock_time_get(realtime) returned errno 0 and a time after 2020)
;; each "ok" is "failed" otherwise.

;; fd_write(fd, iovs, iovs_len, nwritten) -> errno
(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
;; random_get(buf, buf_len) -> errno
(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
;; clock_time_get(id, precision, time) -> errno; id 0 = realtime, in nanoseconds
(import "wasi_snapshot_preview1" "clock_time_get"
  (func $clock_time_get (param i32 i64 i32) (result i32)))

(data (i32.const 0x800) "wasip1-hello: a line on stdout\0a")
(data (i32.const 0x840) "hello from wasip1\0a")
(data (i32.const 0x860) "stdout: ")
(data (i32.const 0x870) "random: ")
(data (i32.const 0x880) "clock: ")
(data (i32.const 0x890) "ok\0a")
(data (i32.const 0x8a0) "failed\0a")

;; Scratch: 0x900 iovec, 0x908 nwritten, 0x910 random bytes, 0x920 time. Body at 0x10000.
(global $len (mut i32) (i32.const 0))

(func $append (param $ptr i32) (param $n i32)
  (memory.copy (i32.add (i32.const 0x10000) (global.get $len)) (local.get $ptr) (local.get $n))
  (global.set $len (i32.add (global.get $len) (local.get $n))))

;; Appends "<label>ok\n" when $ok, else "<label>failed\n".
(func $verdict (param $label i32) (param $label_len i32) (param $ok i32)
  (call $append (local.get $label) (local.get $label_len))
  (if (local.get $ok)
    (then (call $append (i32.const 0x890) (i32.const 3)))
    (else (call $append (i32.const 0x8a0) (i32.const 7)))))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (call $append (i32.const 0x840) (i32.const 18))
  (i32.store (i32.const 0x900) (i32.const 0x800))
  (i32.store (i32.const 0x904) (i32.const 31))
  (call $verdict (i32.const 0x860) (i32.const 8)
    (i32.and
      (i32.eqz (call $fd_write (i32.const 1) (i32.const 0x900) (i32.const 1) (i32.const 0x908)))
      (i32.eq (i32.load (i32.const 0x908)) (i32.const 31))))
  (call $verdict (i32.const 0x870) (i32.const 8)
    (i32.and
      (i32.eqz (call $random_get (i32.const 0x910) (i32.const 16)))
      (i64.ne
        (i64.or (i64.load (i32.const 0x910)) (i64.load (i32.const 0x918)))
        (i64.const 0))))
  (call $verdict (i32.const 0x880) (i32.const 7)
    (i32.and
      (i32.eqz (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 0x920)))
      ;; 2020-01-01T00:00:00Z in nanoseconds
      (i64.gt_u (i64.load (i32.const 0x920)) (i64.const 1577836800000000000))))
  (call $respond_text (local.get $outparam) (i32.const 0x10000) (global.get $len)))
