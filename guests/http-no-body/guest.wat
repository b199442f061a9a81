;; http-no-body: answers with the status given by the last three bytes of the path (e.g.
;; /nobody/204 or /nobody/304), then writes "data: tick N\n\n" events until a write fails, drops
;; the stream, finishes the body (a failure ignored) and prints "writes: N" on stdout.

(import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
;; path-with-query: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))
;; set-status-code: func(status-code: status-code) -> result: 0 ok, 1 err
(import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code"
  (func $outgoing-response.set-status-code (param i32 i32) (result i32)))

(data (i32.const 0x800) "writes: ")

(func $digit (param $at i32) (result i32)
  (i32.sub (i32.load8_u (local.get $at)) (i32.const 48)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $end i32) (local $status i32) (local $headers i32) (local $response i32)
  (local $body i32) (local $stream i32) (local $n i32) (local $len i32)
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (if (i32.eqz (i32.load8_u (i32.const 0x100))) (then (unreachable)))
  (local.set $end (i32.add (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108))))
  (local.set $status (i32.add (i32.add
    (i32.mul (call $digit (i32.sub (local.get $end) (i32.const 3))) (i32.const 100))
    (i32.mul (call $digit (i32.sub (local.get $end) (i32.const 2))) (i32.const 10)))
    (call $digit (i32.sub (local.get $end) (i32.const 1)))))
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (i32.const 0x400) (i32.const 12) (i32.const 0x420) (i32.const 17) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $response (call $outgoing-response.new (local.get $headers)))
  (if (call $outgoing-response.set-status-code (local.get $response) (local.get $status))
    (then (unreachable)))
  (call $outgoing-response.body (local.get $response) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $body (i32.load (i32.const 0x104)))
  (call $response-outparam.set (local.get $outparam)
    (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
  (call $outgoing-body.write (local.get $body) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $stream (i32.load (i32.const 0x104)))
  (loop $next
    (if (i32.eqz (call $sse_tick (local.get $stream) (local.get $n)))
      (then
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next))))
  (call $finish (local.get $body) (local.get $stream))
  ;; "writes: N\n" on stdout
  (memory.copy (i32.const 0x10000) (i32.const 0x800) (i32.const 8))
  (local.set $len (i32.add (i32.const 8) (call $itoa (local.get $n) (i32.const 0x10008))))
  (i32.store8 (i32.add (i32.const 0x10000) (local.get $len)) (i32.const 10))
  (local.set $stream (call $get-stdout))
  (drop (call $write_all (local.get $stream) (i32.const 0x10000) (i32.add (local.get $len) (i32.const 1))))
  (call $output-stream.drop (local.get $stream)))
