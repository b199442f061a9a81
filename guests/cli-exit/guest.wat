;; cli-exit: text/event-stream, one event, then wasi:cli/exit with an error status.

(import "wasi:cli/exit@0.2.12" "exit" (func $exit (param i32)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (drop (call $sse_tick (local.get $stream) (i32.const 0)))
  ;; result<_, _>: 1 is err. exit never returns.
  (call $exit (i32.const 1))
  unreachable)
