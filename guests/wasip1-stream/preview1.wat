;; wasip1-stream: a wasm32-wasip1-shaped guest (see wasip1-hello) that streams its body:
;; text/event-stream with 100 events "data: tick 0\n\n" ... "data: tick 99\n\n", each written
;; with blocking-write-and-flush, then the body is finished. Before each event it writes
;; "wasip1-stream: tick <n>\n" to stdout with fd_write (through the adapter, which writes to
;; wasi:cli/stdout with blocking-write-and-flush too: a suspending call from the adapter's
;; module inside the guest's handle).

;; fd_write(fd, iovs, iovs_len, nwritten) -> errno
(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

(data (i32.const 0x800) "wasip1-stream: tick ")

;; Writes "wasip1-stream: tick <n>\n" to stdout (fd 1); traps unless fd_write succeeded.
(func $log_tick (param $n i32)
  (local $len i32)
  (memory.copy (i32.const 0x900) (i32.const 0x800) (i32.const 20))
  (local.set $len (i32.add (i32.const 20) (call $itoa (local.get $n) (i32.const 0x914))))
  (i32.store8 (i32.add (i32.const 0x900) (local.get $len)) (i32.const 0x0a))
  (i32.store (i32.const 0x980) (i32.const 0x900))
  (i32.store (i32.const 0x984) (i32.add (local.get $len) (i32.const 1)))
  (if (call $fd_write (i32.const 1) (i32.const 0x980) (i32.const 1) (i32.const 0x988))
    (then unreachable)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $n i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (block $done
    (loop $next
      (call $log_tick (local.get $n))
      (br_if $done (call $sse_tick (local.get $stream) (local.get $n)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $n) (i32.const 100)))))
  (call $finish (local.get $body) (local.get $stream)))
