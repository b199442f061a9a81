;; world: rusm:guest/handlers
;; live-tail: the seed's live fan-out pattern in WAT, a small subscriber. `GET /<...>/<topic>`
;; subscribes this process to <topic> (the last path segment; a pattern such as `news.*` too),
;; opens an event stream and forwards every message as a data event with
;; `event-stream.run(heartbeat)`: a `:` heartbeat comment whenever the topic is idle for
;; `?hb=<ms>` (default 15000), until a write fails (the client left). It never unsubscribes:
;; the broker's monitor prunes the subscription when the process ends.

;; path-with-query: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))
;; subscribe: func(topic: string)
(import "rusm:pubsub/broker@0.1.0" "subscribe" (func $broker.subscribe (param i32 i32)))
;; open: func() -> event-stream
(import "rusm:guest/sse@0.1.0" "open" (func $sse.open (result i32)))
;; run: func(heartbeat-ms: u32)
(import "rusm:guest/sse@0.1.0" "[method]event-stream.run"
  (func $event-stream.run (param i32 i32)))
(import "rusm:guest/sse@0.1.0" "[method]event-stream.finish"
  (func $event-stream.finish (param i32)))
(import "rusm:guest/sse@0.1.0" "[resource-drop]event-stream"
  (func $event-stream.drop (param i32)))

;; The manifest: an empty list<handler-module> (ptr 0, len 0). Routed by component name.
(data (i32.const 0x800) "\00\00\00\00\00\00\00\00")

(func (export "rusm:guest/manifest@0.1.0#modules") (result i32)
  (i32.const 0x800))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $ptr i32) (local $end i32) (local $query i32) (local $start i32) (local $i i32)
  (local $c i32) (local $hb i32) (local $stream i32)
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (if (i32.eqz (i32.load8_u (i32.const 0x100))) (then (unreachable)))
  (local.set $ptr (i32.load (i32.const 0x104)))
  (local.set $end (i32.add (local.get $ptr) (i32.load (i32.const 0x108))))
  ;; $query: the "?" or the end.
  (local.set $query (local.get $ptr))
  (block $found
    (loop $scan
      (br_if $found (i32.ge_u (local.get $query) (local.get $end)))
      (br_if $found (i32.eq (i32.load8_u (local.get $query)) (i32.const 63)))
      (local.set $query (i32.add (local.get $query) (i32.const 1)))
      (br $scan)))
  ;; $start: just after the last "/" before the query.
  (local.set $start (local.get $query))
  (block $slash
    (loop $back
      (br_if $slash (i32.le_u (local.get $start) (local.get $ptr)))
      (br_if $slash (i32.eq (i32.load8_u (i32.sub (local.get $start) (i32.const 1))) (i32.const 47)))
      (local.set $start (i32.sub (local.get $start) (i32.const 1)))
      (br $back)))
  (call $broker.subscribe (local.get $start) (i32.sub (local.get $query) (local.get $start)))
  ;; "?hb=<digits>"
  (local.set $hb (i32.const 15000))
  (if (i32.and
        (i32.lt_u (i32.add (local.get $query) (i32.const 4)) (local.get $end))
        (i32.eq (i32.load (local.get $query)) (i32.const 0x3d62683f))) ;; "?hb=" little-endian
    (then
      (local.set $hb (i32.const 0))
      (local.set $i (i32.add (local.get $query) (i32.const 4)))
      (block $digits
        (loop $digit
          (br_if $digits (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $c (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
          (br_if $digits (i32.gt_u (local.get $c) (i32.const 9)))
          (local.set $hb (i32.add (i32.mul (local.get $hb) (i32.const 10)) (local.get $c)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $digit)))))
  (local.set $stream (call $sse.open))
  (call $event-stream.run (local.get $stream) (local.get $hb))
  (call $event-stream.finish (local.get $stream))
  (call $event-stream.drop (local.get $stream)))
