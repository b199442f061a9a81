;; wasip1-conformance: a wasm32-wasip1-shaped guest (see wasip1-hello; several core modules
;; through jco's glue) that answers as a wasmtime-serve-tested component would, chosen by the
;; last byte of the path:
;;   l  a response with `content-length: 8` and the 8 bytes, returning WITHOUT finishing its
;;      body (the body must still end cleanly, as declared);
;;   h  tries to set the forbidden header `host` on its response (must be refused), and
;;      answers 200 "host: forbidden" or "host: allowed";
;;   i  answers status 103 (informational: must become a 500).
;; Each case writes one line to stdout with fd_write (the adapter's path to wasi:cli).

;; path-with-query: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))
;; set-status-code: func(status-code: status-code) -> result: 0 ok, 1 err
(import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code"
  (func $outgoing-response.set-status-code (param i32 i32) (result i32)))
;; fd_write(fd, iovs, iovs_len, nwritten) -> errno
(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

(data (i32.const 0x800) "content-length")
(data (i32.const 0x810) "8")
(data (i32.const 0x818) "12345678")
(data (i32.const 0x820) "host")
(data (i32.const 0x828) "example.com")
(data (i32.const 0x840) "host: forbidden\0a")
(data (i32.const 0x850) "host: allowed\0a")
(data (i32.const 0x860) "informational\0a")
(data (i32.const 0x870) "wasip1-conformance: case ")

;; Logs "wasip1-conformance: case <c>\n" on stdout through the adapter.
(func $log_case (param $case i32)
  (memory.copy (i32.const 0x300) (i32.const 0x870) (i32.const 25))
  (i32.store8 (i32.const 0x319) (local.get $case))
  (i32.store8 (i32.const 0x31a) (i32.const 0x0a))
  (i32.store (i32.const 0x900) (i32.const 0x300))
  (i32.store (i32.const 0x904) (i32.const 27))
  (drop (call $fd_write (i32.const 1) (i32.const 0x900) (i32.const 1) (i32.const 0x908))))

;; A response with one header (name, value) and status $status; returns body and stream.
(func $respond_with (param $outparam i32) (param $status i32)
  (param $name i32) (param $name_len i32) (param $value i32) (param $value_len i32)
  (result i32 i32)
  (local $headers i32) (local $response i32) (local $body i32)
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (local.get $name) (local.get $name_len) (local.get $value) (local.get $value_len)
    (i32.const 0x100))
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
  (local.get $body)
  (i32.load (i32.const 0x104)))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $case i32) (local $body i32) (local $stream i32) (local $headers i32)
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (local.set $case
    (i32.load8_u (i32.sub
      (i32.add (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108)))
      (i32.const 1))))
  (call $log_case (local.get $case))
  (if (i32.eq (local.get $case) (i32.const 0x6c)) ;; l
    (then
      (call $respond_with (local.get $outparam) (i32.const 200)
        (i32.const 0x800) (i32.const 14) (i32.const 0x810) (i32.const 1))
      (local.set $stream)
      (local.set $body)
      (drop (call $write_all (local.get $stream) (i32.const 0x818) (i32.const 8)))
      ;; Returns without outgoing-body.finish.
      (return)))
  (if (i32.eq (local.get $case) (i32.const 0x68)) ;; h
    (then
      (local.set $headers (call $fields.new))
      (call $fields.append (local.get $headers)
        (i32.const 0x820) (i32.const 4) (i32.const 0x828) (i32.const 11) (i32.const 0x100))
      (if (i32.load8_u (i32.const 0x100))
        (then (call $respond_text (local.get $outparam) (i32.const 0x840) (i32.const 16)))
        (else (call $respond_text (local.get $outparam) (i32.const 0x850) (i32.const 14))))
      (return)))
  ;; i
  (call $respond_with (local.get $outparam) (i32.const 103)
    (i32.const 0x400) (i32.const 12) (i32.const 0x410) (i32.const 10))
  (local.set $stream)
  (local.set $body)
  (drop (call $write_all (local.get $stream) (i32.const 0x860) (i32.const 14)))
  (call $finish (local.get $body) (local.get $stream)))
