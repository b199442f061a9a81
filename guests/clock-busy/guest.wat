;; clock-busy: never responds; loops forever blocking on an already-expired timer
;; (subscribe-duration(0) + block). Every block returns at once: a guest that makes host calls
;; but never really waits.

(import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
  (func $monotonic-clock.subscribe-duration (param i64) (result i32)))
(import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $pollable.block (param i32)))
(import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $pollable i32)
  (loop $forever
    (local.set $pollable (call $monotonic-clock.subscribe-duration (i64.const 0)))
    (call $pollable.block (local.get $pollable))
    (call $pollable.drop (local.get $pollable))
    (br $forever)))
