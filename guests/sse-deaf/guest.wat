;; sse-deaf: an endless text/event-stream that ignores write errors: it keeps writing
;; "data: tick N\n\n" after the client went away, every write failing with `closed`. Each write
;; is a blocking call that fails at once (regression-deaf-writer.test.ts).

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $n i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (loop $next
    ;; The result (0 ok, 1 failed) is ignored on purpose: this guest never stops.
    (drop (call $sse_tick (local.get $stream) (local.get $n)))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (br $next)))
