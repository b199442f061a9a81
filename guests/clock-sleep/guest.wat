;; clock-sleep: blocks on monotonic-clock subscribe-duration(50 ms), then 200 "slept\n".

;; subscribe-duration: func(when: duration) -> pollable
(import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
  (func $monotonic-clock.subscribe-duration (param i64) (result i32)))
(import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $pollable.block (param i32)))
(import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))

(data (i32.const 0x800) "slept\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $pollable i32)
  (local.set $pollable (call $monotonic-clock.subscribe-duration (i64.const 50_000_000)))
  (call $pollable.block (local.get $pollable))
  (call $pollable.drop (local.get $pollable))
  (call $respond_text (local.get $outparam) (i32.const 0x800) (i32.const 6)))
