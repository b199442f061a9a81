;; sse-finite: text/event-stream with five events "data: tick 0\n\n" ... "data: tick 4\n\n",
;; each written with blocking-write-and-flush, then the body is finished.

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $n i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (block $done
    (loop $next
      (br_if $done (call $sse_tick (local.get $stream) (local.get $n)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $n) (i32.const 5)))))
  (call $finish (local.get $body) (local.get $stream)))
