;; http-drops: makes one kind of resource, leaves it unused and drops it, chosen by the path:
;;   /request        nothing more: the request itself is dropped unread (its body never consumed)
;;   /body           incoming-request.consume -> incoming-body, dropped
;;   /stream         consume, incoming-body.stream -> input-stream; the stream, then the body, dropped
;;   /trailers       consume, incoming-body.finish -> future-trailers, dropped
;;   /fields         a new fields, and the request's headers (a child fields), both dropped
;;   /response       a new outgoing-response, never set, dropped
;;   /outgoing-body  a new outgoing-response and its outgoing-body, never written nor finished,
;;                   the body dropped, then the response
;;   /pollable       monotonic-clock.subscribe-duration(0) -> pollable, and the input-stream's
;;                   subscribe -> pollable, both dropped (then the stream and the body)
;; It answers 200 text/plain "dropped <path>\n" first (set, written, finished), then makes and
;; drops, and drops the request last. Any other path: "no such case\n", nothing dropped but the
;; request.

(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))
(import "wasi:http/types@0.2.12" "[method]incoming-request.headers"
  (func $incoming-request.headers (param i32) (result i32)))
(import "wasi:http/types@0.2.12" "[method]incoming-request.consume"
  (func $incoming-request.consume (param i32 i32)))
(import "wasi:http/types@0.2.12" "[method]incoming-body.stream"
  (func $incoming-body.stream (param i32 i32)))
(import "wasi:http/types@0.2.12" "[static]incoming-body.finish"
  (func $incoming-body.finish (param i32) (result i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]incoming-request"
  (func $incoming-request.drop (param i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]incoming-body"
  (func $incoming-body.drop (param i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]future-trailers"
  (func $future-trailers.drop (param i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]fields" (func $fields.drop (param i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]outgoing-response"
  (func $outgoing-response.drop (param i32)))
(import "wasi:io/streams@0.2.12" "[method]input-stream.subscribe"
  (func $input-stream.subscribe (param i32) (result i32)))
(import "wasi:io/streams@0.2.12" "[resource-drop]input-stream"
  (func $input-stream.drop (param i32)))
(import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))
(import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
  (func $subscribe-duration (param i64) (result i32)))

(data (i32.const 0x800) "/request")
(data (i32.const 0x810) "/body")
(data (i32.const 0x820) "/stream")
(data (i32.const 0x830) "/trailers")
(data (i32.const 0x840) "/fields")
(data (i32.const 0x850) "/response")
(data (i32.const 0x860) "/outgoing-body")
(data (i32.const 0x870) "/pollable")
(data (i32.const 0x880) "dropped ")
(data (i32.const 0x890) "no such case\0a")

;; The path, read into $path_ptr/$path_len (0/0 when there is none).
(global $path_ptr (mut i32) (i32.const 0))
(global $path_len (mut i32) (i32.const 0))

;; True when the path is the $len bytes at $ptr.
(func $is (param $ptr i32) (param $len i32) (result i32)
  (local $i i32)
  (if (i32.ne (local.get $len) (global.get $path_len)) (then (return (i32.const 0))))
  (block $differ
    (loop $next
      (br_if $differ (i32.eq (local.get $i) (local.get $len)))
      (if (i32.ne
            (i32.load8_u (i32.add (global.get $path_ptr) (local.get $i)))
            (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
  (i32.const 1))

;; Answers "dropped <path>\n".
(func $answer_dropped (param $outparam i32)
  (memory.copy (i32.const 0x10000) (i32.const 0x880) (i32.const 8))
  (memory.copy (i32.const 0x10008) (global.get $path_ptr) (global.get $path_len))
  (i32.store8 (i32.add (i32.const 0x10008) (global.get $path_len)) (i32.const 0x0a))
  (call $respond_text (local.get $outparam)
    (i32.const 0x10000) (i32.add (global.get $path_len) (i32.const 9))))

;; incoming-request.consume, trapping unless ok.
(func $consume (param $request i32) (result i32)
  (call $incoming-request.consume (local.get $request) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (i32.load (i32.const 0x104)))

;; incoming-body.stream, trapping unless ok.
(func $stream (param $body i32) (result i32)
  (call $incoming-body.stream (local.get $body) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (i32.load (i32.const 0x104)))

;; A new outgoing-response with empty headers.
(func $new_response (result i32)
  (call $outgoing-response.new (call $fields.new)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32) (local $response i32) (local $a i32) (local $b i32)
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (if (i32.load8_u (i32.const 0x100))
    (then
      (global.set $path_ptr (i32.load (i32.const 0x104)))
      (global.set $path_len (i32.load (i32.const 0x108)))))
  (block $done
    (if (call $is (i32.const 0x800) (i32.const 8))
      (then
        (call $answer_dropped (local.get $outparam))
        (br $done)))
    (if (call $is (i32.const 0x810) (i32.const 5))
      (then
        (call $answer_dropped (local.get $outparam))
        (call $incoming-body.drop (call $consume (local.get $request)))
        (br $done)))
    (if (call $is (i32.const 0x820) (i32.const 7))
      (then
        (call $answer_dropped (local.get $outparam))
        (local.set $body (call $consume (local.get $request)))
        (call $input-stream.drop (call $stream (local.get $body)))
        (call $incoming-body.drop (local.get $body))
        (br $done)))
    (if (call $is (i32.const 0x830) (i32.const 9))
      (then
        (call $answer_dropped (local.get $outparam))
        (call $future-trailers.drop
          (call $incoming-body.finish (call $consume (local.get $request))))
        (br $done)))
    (if (call $is (i32.const 0x840) (i32.const 7))
      (then
        (call $answer_dropped (local.get $outparam))
        (call $fields.drop (call $fields.new))
        (call $fields.drop (call $incoming-request.headers (local.get $request)))
        (br $done)))
    (if (call $is (i32.const 0x850) (i32.const 9))
      (then
        (call $answer_dropped (local.get $outparam))
        (call $outgoing-response.drop (call $new_response))
        (br $done)))
    (if (call $is (i32.const 0x860) (i32.const 14))
      (then
        (call $answer_dropped (local.get $outparam))
        (local.set $response (call $new_response))
        (call $outgoing-response.body (local.get $response) (i32.const 0x100))
        (call $expect_ok (i32.const 0x100))
        (call $outgoing-body.drop (i32.load (i32.const 0x104)))
        (call $outgoing-response.drop (local.get $response))
        (br $done)))
    (if (call $is (i32.const 0x870) (i32.const 9))
      (then
        (call $answer_dropped (local.get $outparam))
        (local.set $body (call $consume (local.get $request)))
        (local.set $stream (call $stream (local.get $body)))
        (local.set $a (call $subscribe-duration (i64.const 0)))
        (local.set $b (call $input-stream.subscribe (local.get $stream)))
        (call $pollable.drop (local.get $a))
        (call $pollable.drop (local.get $b))
        (call $input-stream.drop (local.get $stream))
        (call $incoming-body.drop (local.get $body))
        (br $done)))
    (call $respond_text (local.get $outparam) (i32.const 0x890) (i32.const 13)))
  (call $incoming-request.drop (local.get $request)))
