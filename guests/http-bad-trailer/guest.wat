;; http-bad-trailer: answers 200 text/plain "body\n", then finishes the body with trailers made
;; by fields.from-list [("x-trailer", "a\01b")]; if from-list refuses them, it finishes without
;; trailers (the error is ignored).

;; from-list: static func(entries: list<tuple<field-name,field-value>>) -> result<fields, header-error>
;; Result: tag u8 at +0, the fields handle (or the header-error case) at +4.
(import "wasi:http/types@0.2.12" "[static]fields.from-list"
  (func $fields.from-list (param i32 i32 i32)))

(data (i32.const 0x800) "x-trailer")
(data (i32.const 0x810) "a\01b")
(data (i32.const 0x818) "body\n")
;; The one entry: name ptr, name len, value ptr, value len.
(data (i32.const 0x820) "\00\08\00\00\09\00\00\00\10\08\00\00\03\00\00\00")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32)
  (call $respond (local.get $outparam) (i32.const 0x410) (i32.const 10))
  (local.set $stream)
  (local.set $body)
  (drop (call $write_all (local.get $stream) (i32.const 0x818) (i32.const 5)))
  (call $output-stream.drop (local.get $stream))
  (call $fields.from-list (i32.const 0x820) (i32.const 1) (i32.const 0x100))
  (if (i32.load8_u (i32.const 0x100))
    (then
      ;; Refused: finish without trailers.
      (call $outgoing-body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 0x100)))
    (else
      (call $outgoing-body.finish (local.get $body)
        (i32.const 1) (i32.load (i32.const 0x104)) (i32.const 0x100)))))
