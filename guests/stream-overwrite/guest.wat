;; stream-overwrite: asks check-write for its permit, then writes permit + 1 bytes with
;; `write`. The host must trap: a write beyond the permit breaks the stream's contract.

(import "wasi:io/streams@0.2.12" "[method]output-stream.check-write"
  (func $output-stream.check-write (param i32 i32)))
(import "wasi:io/streams@0.2.12" "[method]output-stream.write"
  (func $output-stream.write (param i32 i32 i32 i32)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $len i32) (local $end i32) (local $have i32)
  (call $respond (local.get $outparam) (i32.const 0x440) (i32.const 24))
  (local.set $stream)
  (local.set $body)
  (call $output-stream.check-write (local.get $stream) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $len (i32.add (i32.wrap_i64 (i64.load (i32.const 0x108))) (i32.const 1)))
  ;; Make room for $len bytes at 0x10000, so the write cannot fail for a bad pointer instead.
  (local.set $end (i32.add (i32.const 0x10000) (local.get $len)))
  (local.set $have (i32.shl (memory.size) (i32.const 16)))
  (if (i32.gt_u (local.get $end) (local.get $have))
    (then
      (drop (memory.grow
        (i32.shr_u
          (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
          (i32.const 16))))))
  (memory.fill (i32.const 0x10000) (i32.const 0x78) (local.get $len))
  (call $output-stream.write
    (local.get $stream) (i32.const 0x10000) (local.get $len) (i32.const 0x100))
  ;; Only reached when the host let the write through: end the response normally.
  (call $finish (local.get $body) (local.get $stream)))
