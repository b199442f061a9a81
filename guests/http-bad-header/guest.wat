;; http-bad-header: appends a header whose value holds byte 0x01 ("x-bad: a\01b") to its
;; response headers, ignoring the result, then answers 200 text/plain "ok\n", finished.

(data (i32.const 0x800) "x-bad")
(data (i32.const 0x808) "a\01b")
(data (i32.const 0x810) "ok\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (i32.const 0x400) (i32.const 12) (i32.const 0x410) (i32.const 10) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  ;; The result is ignored on purpose: a host that lets the byte through must not hang us.
  (call $fields.append (local.get $headers)
    (i32.const 0x800) (i32.const 5) (i32.const 0x808) (i32.const 3) (i32.const 0x100))
  (local.set $response (call $outgoing-response.new (local.get $headers)))
  (call $outgoing-response.body (local.get $response) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $body (i32.load (i32.const 0x104)))
  (call $response-outparam.set (local.get $outparam)
    (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
  (call $outgoing-body.write (local.get $body) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $stream (i32.load (i32.const 0x104)))
  (drop (call $write_all (local.get $stream) (i32.const 0x810) (i32.const 3)))
  (call $finish (local.get $body) (local.get $stream)))
