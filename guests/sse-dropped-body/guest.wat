;; sse-dropped-body: text/event-stream, three events, then drops the stream and the body without
;; finishing it, goes on for 100 ms (a monotonic-clock sleep) and returns normally.

;; subscribe-duration: func(when: duration) -> pollable
(import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
  (func $monotonic-clock.subscribe-duration (param i64) (result i32)))
(import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $pollable.block (param i32)))
(import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $pollable i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (drop (call $sse_tick (local.get $stream) (i32.const 0)))
  (drop (call $sse_tick (local.get $stream) (i32.const 1)))
  (drop (call $sse_tick (local.get $stream) (i32.const 2)))
  (call $output-stream.drop (local.get $stream))
  (call $outgoing-body.drop (local.get $body))
  (local.set $pollable (call $monotonic-clock.subscribe-duration (i64.const 100_000_000)))
  (call $pollable.block (local.get $pollable))
  (call $pollable.drop (local.get $pollable)))
