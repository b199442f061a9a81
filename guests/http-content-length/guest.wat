;; http-content-length: a response with a content-length, and a body that does or does not
;; match it, chosen by the last byte of the path:
;;   e  content-length 8, writes 8 bytes, finishes
;;   x  content-length 8, writes 8 bytes, returns without finishing
;;   o  content-length 4, writes 8 bytes in one write (past it), writes 1 more, finishes
;;   s  content-length 8, writes 4 bytes, finishes (short of it)
;;   r  content-length 8, writes 4 bytes, returns without finishing
;; Each write and finish result goes to stdout as one line ("write: ok", "write: closed",
;; "write: last-operation-failed HTTP-response-body-size 8", "finish: ok",
;; "finish: HTTP-response-body-size 4", ...).

(import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
;; path-with-query: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))
;; http-error-code: func(err: borrow<io-error>) -> option<error-code>: tag at +0, the
;; error-code at +8 (case u8 at +8; for HTTP-response-body-size, option<u64> at +16, value at +24).
(import "wasi:http/types@0.2.12" "http-error-code" (func $http-error-code (param i32 i32)))

(data (i32.const 0x800) "content-length")
(data (i32.const 0x810) "12345678")
(data (i32.const 0x820) "write: ")
(data (i32.const 0x828) "finish: ")
(data (i32.const 0x830) "ok")
(data (i32.const 0x838) "closed")
(data (i32.const 0x840) "last-operation-failed ")
(data (i32.const 0x860) "HTTP-response-body-size ")
(data (i32.const 0x880) "other error-code ")
(data (i32.const 0x8a0) "none")

(global $out (mut i32) (i32.const 0x10000))

(func $emit (param $ptr i32) (param $len i32)
  (memory.copy (global.get $out) (local.get $ptr) (local.get $len))
  (global.set $out (i32.add (global.get $out) (local.get $len))))

;; Emits an error-code at $at: its name when HTTP-response-body-size (case 28), with the size.
(func $emit_error_code (param $at i32)
  (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 28))
    (then
      (call $emit (i32.const 0x860) (i32.const 24))
      (if (i32.load8_u offset=8 (local.get $at))
        (then
          (global.set $out (i32.add (global.get $out)
            (call $itoa (i32.wrap_i64 (i64.load offset=16 (local.get $at))) (global.get $out)))))
        (else (call $emit (i32.const 0x8a0) (i32.const 4)))))
    (else
      (call $emit (i32.const 0x880) (i32.const 17))
      (global.set $out (i32.add (global.get $out)
        (call $itoa (i32.load8_u (local.get $at)) (global.get $out)))))))

;; Prints what is at 0x10000..$out as one line on stdout, then empties it.
(func $print
  (local $stdout i32)
  (i32.store8 (global.get $out) (i32.const 10))
  (local.set $stdout (call $get-stdout))
  (drop (call $write_all (local.get $stdout) (i32.const 0x10000)
    (i32.sub (i32.add (global.get $out) (i32.const 1)) (i32.const 0x10000))))
  (call $output-stream.drop (local.get $stdout))
  (global.set $out (i32.const 0x10000)))

;; One blocking write of [$ptr, $ptr + $len); prints its result.
(func $write (param $stream i32) (param $ptr i32) (param $len i32)
  (local $err i32)
  (call $output-stream.blocking-write-and-flush
    (local.get $stream) (local.get $ptr) (local.get $len) (i32.const 0x100))
  (call $emit (i32.const 0x820) (i32.const 7))
  (if (i32.eqz (i32.load8_u (i32.const 0x100)))
    (then (call $emit (i32.const 0x830) (i32.const 2)))
    (else
      (if (i32.load8_u (i32.const 0x104))
        (then (call $emit (i32.const 0x838) (i32.const 6)))
        (else
          (local.set $err (i32.load (i32.const 0x108)))
          (call $emit (i32.const 0x840) (i32.const 22))
          (call $http-error-code (local.get $err) (i32.const 0x180))
          (if (i32.load8_u (i32.const 0x180))
            (then (call $emit_error_code (i32.const 0x188)))
            (else (call $emit (i32.const 0x8a0) (i32.const 4))))
          (call $error.drop (local.get $err))))))
  (call $print))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $case i32) (local $declared i32) (local $headers i32) (local $response i32)
  (local $body i32) (local $stream i32)
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (if (i32.eqz (i32.load8_u (i32.const 0x100))) (then (unreachable)))
  (local.set $case (i32.load8_u (i32.sub
    (i32.add (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108))) (i32.const 1))))
  ;; content-length: "4" for o, else "8" (the digit itself, from "12345678")
  (local.set $declared (select (i32.const 0x813) (i32.const 0x817)
    (i32.eq (local.get $case) (i32.const 0x6f))))
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (i32.const 0x800) (i32.const 14) (local.get $declared) (i32.const 1) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (call $fields.append (local.get $headers)
    (i32.const 0x400) (i32.const 12) (i32.const 0x410) (i32.const 10) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
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
  ;; s and r write 4 bytes, the others 8
  (call $write (local.get $stream) (i32.const 0x810)
    (select (i32.const 4) (i32.const 8)
      (i32.or (i32.eq (local.get $case) (i32.const 0x73)) (i32.eq (local.get $case) (i32.const 0x72)))))
  (if (i32.eq (local.get $case) (i32.const 0x6f))
    (then (call $write (local.get $stream) (i32.const 0x810) (i32.const 1))))
  (call $output-stream.drop (local.get $stream))
  ;; x and r return without finishing (the body handle stays alive)
  (if (i32.or (i32.eq (local.get $case) (i32.const 0x78)) (i32.eq (local.get $case) (i32.const 0x72)))
    (then (return)))
  (call $outgoing-body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 0x100))
  (call $emit (i32.const 0x828) (i32.const 8))
  (if (i32.load8_u (i32.const 0x100))
    (then (call $emit_error_code (i32.const 0x108)))
    (else (call $emit (i32.const 0x830) (i32.const 2))))
  (call $print))
