;; world: rusm:guest/handlers
;; ws-wat: WebSocket actions in WAT, the small guest of the websocket bench
;; (scripts/bench/websocket). Handler module `wat`:
;; - `wat#echo`: accepts, then sends every message back as it came (text as text, binary as
;;   binary) until recv gives closed; parked in recv between messages;
;; - `wat#room`: subscribes to its route's first parameter (`GET /room/:topic`), accepts, and
;;   loops on `run`: every broker message of the topic goes to the client as text (the host does
;;   it), every text message the client sends is published on the topic, until closed.

;; target: func() -> option<handler-target>: tag at +0, module (ptr, len) at +4, function at
;; +12, params (list of (name, value) string pairs, 16 bytes each) at +20, route at +28.
(import "rusm:guest/context@0.1.0" "target" (func $context.target (param i32)))
;; accept: func(protocol: option<string>) -> websocket
(import "rusm:guest/websocket@0.1.0" "accept" (func $ws.accept (param i32 i32 i32) (result i32)))
;; recv: func() -> incoming: tag at +0 (0 text, 1 binary, 2 closed), (ptr, len) at +4.
(import "rusm:guest/websocket@0.1.0" "[method]websocket.recv"
  (func $ws.recv (param i32 i32)))
;; run: func(heartbeat-ms: u32) -> incoming
(import "rusm:guest/websocket@0.1.0" "[method]websocket.run"
  (func $ws.run (param i32 i32 i32)))
(import "rusm:guest/websocket@0.1.0" "[method]websocket.send-text"
  (func $ws.send-text (param i32 i32 i32) (result i32)))
(import "rusm:guest/websocket@0.1.0" "[method]websocket.send-binary"
  (func $ws.send-binary (param i32 i32 i32) (result i32)))
(import "rusm:guest/websocket@0.1.0" "[resource-drop]websocket" (func $ws.drop (param i32)))
(import "rusm:pubsub/broker@0.1.0" "subscribe" (func $broker.subscribe (param i32 i32)))
(import "rusm:pubsub/broker@0.1.0" "publish" (func $broker.publish (param i32 i32 i32 i32) (result i32)))

;; The manifest: list<handler-module> at 0x800 (ptr, len) = one module at 0x810:
;; name "wat" (0x840), handlers (0x850, 2): "echo" and "room", kind 2 (websocket).
(data (i32.const 0x800) "\10\08\00\00\01\00\00\00")
(data (i32.const 0x810) "\40\08\00\00\03\00\00\00\50\08\00\00\02\00\00\00")
(data (i32.const 0x840) "wat")
(data (i32.const 0x850) "\80\08\00\00\04\00\00\00\02\00\00\00")
(data (i32.const 0x85c) "\88\08\00\00\04\00\00\00\02\00\00\00")
(data (i32.const 0x880) "echo")
(data (i32.const 0x888) "room")

(func (export "rusm:guest/manifest@0.1.0#modules") (result i32)
  (i32.const 0x800))

(func $echo
  (local $ws i32) (local $tag i32)
  (local.set $ws (call $ws.accept (i32.const 0) (i32.const 0) (i32.const 0)))
  (block $closed
    (loop $next
      (call $ws.recv (local.get $ws) (i32.const 0x100))
      (local.set $tag (i32.load8_u (i32.const 0x100)))
      (br_if $closed (i32.eq (local.get $tag) (i32.const 2)))
      (if (i32.eqz (local.get $tag))
        (then
          (br_if $closed (i32.eqz (call $ws.send-text (local.get $ws)
            (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108))))))
        (else
          (br_if $closed (i32.eqz (call $ws.send-binary (local.get $ws)
            (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108)))))))
      (br $next)))
  (call $ws.drop (local.get $ws)))

(func $room
  (local $ws i32) (local $tag i32) (local $params i32) (local $topic i32) (local $topic-len i32)
  ;; The first route parameter's value: the topic.
  (local.set $params (i32.load (i32.const 0x114)))
  (if (i32.eqz (i32.load (i32.const 0x118))) (then (unreachable)))
  (local.set $topic (i32.load offset=8 (local.get $params)))
  (local.set $topic-len (i32.load offset=12 (local.get $params)))
  (call $broker.subscribe (local.get $topic) (local.get $topic-len))
  (local.set $ws (call $ws.accept (i32.const 0) (i32.const 0) (i32.const 0)))
  (block $closed
    (loop $next
      (call $ws.run (local.get $ws) (i32.const 15000) (i32.const 0x140))
      (local.set $tag (i32.load8_u (i32.const 0x140)))
      (br_if $closed (i32.eq (local.get $tag) (i32.const 2)))
      (if (i32.eqz (local.get $tag))
        (then
          (drop (call $broker.publish (local.get $topic) (local.get $topic-len)
            (i32.load (i32.const 0x144)) (i32.load (i32.const 0x148))))))
      (br $next)))
  (call $ws.drop (local.get $ws)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (call $context.target (i32.const 0x100))
  (if (i32.eqz (i32.load8_u (i32.const 0x100))) (then (unreachable)))
  ;; The function's first letter: "e"cho or "r"oom.
  (if (i32.eq (i32.load8_u (i32.load (i32.const 0x10c))) (i32.const 0x65))
    (then (call $echo))
    (else (call $room))))
