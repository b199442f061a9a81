;; http-status-1xx: checks that set-status-code refuses 99 and 1000 and accepts 999 and 103
;; (traps otherwise), then answers with status 103 (an informational status) and the body
;; "informational\n", finished.

;; set-status-code: func(status-code: status-code) -> result: 0 ok, 1 err
(import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code"
  (func $outgoing-response.set-status-code (param i32 i32) (result i32)))

(data (i32.const 0x800) "informational\n")

(func $expect_status (param $response i32) (param $status i32) (param $err i32)
  (if (i32.ne
        (call $outgoing-response.set-status-code (local.get $response) (local.get $status))
        (local.get $err))
    (then (unreachable))))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (i32.const 0x400) (i32.const 12) (i32.const 0x410) (i32.const 10) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $response (call $outgoing-response.new (local.get $headers)))
  (call $expect_status (local.get $response) (i32.const 99) (i32.const 1))
  (call $expect_status (local.get $response) (i32.const 1000) (i32.const 1))
  (call $expect_status (local.get $response) (i32.const 999) (i32.const 0))
  (call $expect_status (local.get $response) (i32.const 103) (i32.const 0))
  (call $outgoing-response.body (local.get $response) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $body (i32.load (i32.const 0x104)))
  (call $response-outparam.set (local.get $outparam)
    (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
  (call $outgoing-body.write (local.get $body) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $stream (i32.load (i32.const 0x104)))
  (drop (call $write_all (local.get $stream) (i32.const 0x800) (i32.const 14)))
  (call $finish (local.get $body) (local.get $stream)))
