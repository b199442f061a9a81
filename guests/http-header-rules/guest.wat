;; http-header-rules: the header rules a guest meets, reported in a text/plain body.
;;   authority: <incoming-request.authority>
;;   seen: <name>            for each request header the guest sees, in order
;;   <label>: <result>       for each fields.append on the response's headers below, where
;;                           <result> is ok, invalid-syntax, forbidden or immutable
;; What was accepted goes out on the response.

;; headers: func() -> headers
(import "wasi:http/types@0.2.12" "[method]incoming-request.headers"
  (func $incoming-request.headers (param i32) (result i32)))
;; authority: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.authority"
  (func $incoming-request.authority (param i32 i32)))
;; entries: func() -> list<tuple<field-name, field-value>>: ptr at +0, len at +4; each entry is
;; 16 bytes: name ptr, name len, value ptr, value len.
(import "wasi:http/types@0.2.12" "[method]fields.entries" (func $fields.entries (param i32 i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]fields" (func $fields.drop (param i32)))

(data (i32.const 0x800) "authority: ")
(data (i32.const 0x810) "seen: ")
(data (i32.const 0x818) ": ")
(data (i32.const 0x820) "ok")
(data (i32.const 0x830) "invalid-syntax")
(data (i32.const 0x840) "forbidden")
(data (i32.const 0x850) "immutable")
;; header-error case -> (ptr, len) of its name: invalid-syntax, forbidden, immutable
(data (i32.const 0x860) "\30\08\00\00\0e\00\00\00\40\08\00\00\09\00\00\00\50\08\00\00\09\00\00\00")

;; The appends: [label len][label][name len][name][value len][value] ..., then a 0.
(data (i32.const 0xa00)
  "\04host\04host\01v"
  "\12proxy-authenticate\12proxy-authenticate\01v"
  "\13proxy-authorization\13proxy-authorization\01v"
  "\0aconnection\0aconnection\05close"
  "\0akeep-alive\0akeep-alive\01v"
  "\10proxy-connection\10proxy-connection\01v"
  "\11transfer-encoding\11transfer-encoding\07chunked"
  "\07upgrade\07upgrade\01v"
  "\0ehttp2-settings\0ehttp2-settings\01v"
  "\02te\02te\08trailers"
  "\0ax-ctl 0x01\05x-ctl\03a\01b"
  "\0ax-ctl 0x7f\05x-ctl\03a\7fb"
  "\05x-tab\05x-tab\03a\09b"
  "\0ax-obs-text\0ax-obs-text\04caf\e9"
  "\08bad name\08bad name\01v"
  "\00")

;; Where the next body byte goes (the body is built at 0x10000, the guest scratch buffer).
(global $out (mut i32) (i32.const 0x10000))

(func $emit (param $ptr i32) (param $len i32)
  (memory.copy (global.get $out) (local.get $ptr) (local.get $len))
  (global.set $out (i32.add (global.get $out) (local.get $len))))

(func $newline
  (i32.store8 (global.get $out) (i32.const 10))
  (global.set $out (i32.add (global.get $out) (i32.const 1))))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $fields i32) (local $entry i32) (local $end i32)
  (local $rec i32) (local $label i32) (local $name i32) (local $value i32) (local $case i32)
  (local $response i32) (local $body i32) (local $stream i32)
  ;; authority
  (call $incoming-request.authority (local.get $request) (i32.const 0x100))
  (call $emit (i32.const 0x800) (i32.const 11))
  (if (i32.load8_u (i32.const 0x100))
    (then (call $emit (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108)))))
  (call $newline)
  ;; the request headers, by name
  (local.set $fields (call $incoming-request.headers (local.get $request)))
  (call $fields.entries (local.get $fields) (i32.const 0x100))
  (local.set $entry (i32.load (i32.const 0x100)))
  (local.set $end (i32.add (local.get $entry) (i32.shl (i32.load (i32.const 0x104)) (i32.const 4))))
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $entry) (local.get $end)))
      (call $emit (i32.const 0x810) (i32.const 6))
      (call $emit (i32.load (local.get $entry)) (i32.load offset=4 (local.get $entry)))
      (call $newline)
      (local.set $entry (i32.add (local.get $entry) (i32.const 16)))
      (br $next)))
  (call $fields.drop (local.get $fields))
  ;; the response's headers: content-type, then each append of the table
  (local.set $fields (call $fields.new))
  (call $fields.append (local.get $fields)
    (i32.const 0x400) (i32.const 12) (i32.const 0x410) (i32.const 10) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $rec (i32.const 0xa00))
  (block $last
    (loop $append
      (br_if $last (i32.eqz (i32.load8_u (local.get $rec))))
      (local.set $label (local.get $rec))
      (local.set $name (i32.add (local.get $label) (i32.add (i32.load8_u (local.get $label)) (i32.const 1))))
      (local.set $value (i32.add (local.get $name) (i32.add (i32.load8_u (local.get $name)) (i32.const 1))))
      (call $fields.append (local.get $fields)
        (i32.add (local.get $name) (i32.const 1)) (i32.load8_u (local.get $name))
        (i32.add (local.get $value) (i32.const 1)) (i32.load8_u (local.get $value))
        (i32.const 0x100))
      (call $emit (i32.add (local.get $label) (i32.const 1)) (i32.load8_u (local.get $label)))
      (call $emit (i32.const 0x818) (i32.const 2))
      (if (i32.load8_u (i32.const 0x100))
        (then
          (local.set $case (i32.add (i32.const 0x860) (i32.shl (i32.load8_u (i32.const 0x101)) (i32.const 3))))
          (call $emit (i32.load (local.get $case)) (i32.load offset=4 (local.get $case))))
        (else (call $emit (i32.const 0x820) (i32.const 2))))
      (call $newline)
      (local.set $rec (i32.add (local.get $value) (i32.add (i32.load8_u (local.get $value)) (i32.const 1))))
      (br $append)))
  (local.set $response (call $outgoing-response.new (local.get $fields)))
  (call $outgoing-response.body (local.get $response) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $body (i32.load (i32.const 0x104)))
  (call $response-outparam.set (local.get $outparam)
    (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
  (call $outgoing-body.write (local.get $body) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $stream (i32.load (i32.const 0x104)))
  (drop (call $write_all (local.get $stream) (i32.const 0x10000)
    (i32.sub (global.get $out) (i32.const 0x10000))))
  (call $finish (local.get $body) (local.get $stream)))
