;; stream-permits: 200 application/octet-stream with a 1 MiB body of "x", written without any
;; blocking write: check-write for a permit, write at most that much, and when the permit is 0,
;; subscribe and block on the pollable. Then flush, wait for the flush, and finish.

;; check-write: func() -> result<u64, stream-error>: tag at +0, permit (or error tag) at +8
(import "wasi:io/streams@0.2.12" "[method]output-stream.check-write"
  (func $output-stream.check-write (param i32 i32)))
;; write: func(contents: list<u8>) -> result<_, stream-error>
(import "wasi:io/streams@0.2.12" "[method]output-stream.write"
  (func $output-stream.write (param i32 i32 i32 i32)))
;; flush: func() -> result<_, stream-error>
(import "wasi:io/streams@0.2.12" "[method]output-stream.flush"
  (func $output-stream.flush (param i32 i32)))
(import "wasi:io/streams@0.2.12" "[method]output-stream.subscribe"
  (func $output-stream.subscribe (param i32) (result i32)))
(import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $pollable.block (param i32)))
(import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))

;; Blocks until $stream is ready (room to write, or a flush done), then returns check-write's
;; permit. Traps when the stream failed: this guest never expects that.
(func $wait_permit (param $stream i32) (result i32)
  (local $pollable i32) (local $permit i64)
  (loop $again
    (call $output-stream.check-write (local.get $stream) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100))
    (local.set $permit (i64.load (i32.const 0x108)))
    (if (i64.eqz (local.get $permit))
      (then
        (local.set $pollable (call $output-stream.subscribe (local.get $stream)))
        (call $pollable.block (local.get $pollable))
        ;; The pollable is a child of the stream: dropped before the stream can be.
        (call $pollable.drop (local.get $pollable))
        (br $again))))
  ;; Permits above 64 KiB are clamped: the chunk buffer is 64 KiB.
  (i32.wrap_i64
    (select (i64.const 0x10000) (local.get $permit)
      (i64.gt_u (local.get $permit) (i64.const 0x10000)))))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $remaining i32) (local $n i32)
  (call $respond (local.get $outparam) (i32.const 0x440) (i32.const 24))
  (local.set $stream)
  (local.set $body)
  (memory.fill (i32.const 0x10000) (i32.const 0x78) (i32.const 0x10000))
  (local.set $remaining (i32.const 0x100000))
  (block $done
    (loop $next
      (br_if $done (i32.eqz (local.get $remaining)))
      (local.set $n (call $wait_permit (local.get $stream)))
      (if (i32.gt_u (local.get $n) (local.get $remaining))
        (then (local.set $n (local.get $remaining))))
      ;; $n <= the permit check-write just gave: writing more would trap.
      (call $output-stream.write
        (local.get $stream) (i32.const 0x10000) (local.get $n) (i32.const 0x100))
      (call $expect_ok (i32.const 0x100))
      (local.set $remaining (i32.sub (local.get $remaining) (local.get $n)))
      (br $next)))
  (call $output-stream.flush (local.get $stream) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (drop (call $wait_permit (local.get $stream)))
  (call $finish (local.get $body) (local.get $stream)))
