;; sse-endless: text/event-stream with "data: tick N\n\n" for N = 0, 1, 2, ... until a write
;; fails (the client went away); then drops the stream and the body and returns normally.

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $n i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (loop $next
    (if (i32.eqz (call $sse_tick (local.get $stream) (local.get $n)))
      (then
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next))))
  ;; The stream is a child of the body: it is dropped first.
  (call $output-stream.drop (local.get $stream))
  (call $outgoing-body.drop (local.get $body)))
