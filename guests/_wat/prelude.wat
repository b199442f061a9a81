;; Shared start of every WAT http guest (guests/<name>/guest.wat).
;;
;; scripts/build-guests.ts joins this file and the guest's guest.wat into one (module ...):
;; the imports of both files first (the text format wants imports before any definition), then
;; the rest of this file, then the rest of guest.wat. A guest adds its own imports at the top of
;; its guest.wat, defines its data at 0x800 and up, and exports
;; "wasi:http/incoming-handler@0.2.12#handle".
;;
;; Imports use the classic core names: module = WIT interface, field = function name, with
;; [constructor] / [method] / [static] / [resource-drop] prefixes. Results bigger than one value
;; come back through a return area pointer (the last parameter): a result<T, E> has its tag
;; (0 ok, 1 err) in the first byte and its payload at the payload's alignment.
;;
;; Memory map:
;;   0x0000-0x00ff  unused, so that a null pointer stays invalid
;;   0x0100-0x013f  the return area every helper passes (8-aligned; result<_, error-code>
;;                  is the largest result used)
;;   0x0200-0x02ff  scratch for formatting one SSE event
;;   0x0400-0x07ff  prelude data
;;   0x0800-0xffff  guest data
;;   0x10000-       guest scratch buffer (64 KiB)
;;   0x20000-       cabi_realloc's heap (bump allocator, never freed; grows the memory)

;; --- imports -------------------------------------------------------------------------------

;; fields: func() -> fields
(import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields.new (result i32)))
;; append: func(name: field-name, value: field-value) -> result<_, header-error>
(import "wasi:http/types@0.2.12" "[method]fields.append"
  (func $fields.append (param i32 i32 i32 i32 i32 i32)))
;; outgoing-response: func(headers: headers) -> outgoing-response
(import "wasi:http/types@0.2.12" "[constructor]outgoing-response"
  (func $outgoing-response.new (param i32) (result i32)))
;; body: func() -> result<outgoing-body>
(import "wasi:http/types@0.2.12" "[method]outgoing-response.body"
  (func $outgoing-response.body (param i32 i32)))
;; write: func() -> result<output-stream>
(import "wasi:http/types@0.2.12" "[method]outgoing-body.write"
  (func $outgoing-body.write (param i32 i32)))
;; finish: static func(this: outgoing-body, trailers: option<trailers>) -> result<_, error-code>
(import "wasi:http/types@0.2.12" "[static]outgoing-body.finish"
  (func $outgoing-body.finish (param i32 i32 i32 i32)))
(import "wasi:http/types@0.2.12" "[resource-drop]outgoing-body"
  (func $outgoing-body.drop (param i32)))
;; set: static func(param: response-outparam, response: result<outgoing-response, error-code>)
;; Flattened: param, result tag, then the joined payload slots (ok: the response handle, 0s).
(import "wasi:http/types@0.2.12" "[static]response-outparam.set"
  (func $response-outparam.set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
;; blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>
;; stream-error: tag at +4 (0 last-operation-failed with an error handle at +8, 1 closed).
(import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
  (func $output-stream.blocking-write-and-flush (param i32 i32 i32 i32)))
(import "wasi:io/streams@0.2.12" "[resource-drop]output-stream"
  (func $output-stream.drop (param i32)))
(import "wasi:io/error@0.2.12" "[resource-drop]error" (func $error.drop (param i32)))

;; --- memory and allocator ------------------------------------------------------------------

(memory (export "memory") 3)
(global $heap (mut i32) (i32.const 0x20000))

(data (i32.const 0x400) "content-type")
(data (i32.const 0x410) "text/plain")
(data (i32.const 0x420) "text/event-stream")
(data (i32.const 0x440) "application/octet-stream")
(data (i32.const 0x460) "data: tick ")

;; The host calls cabi_realloc to pass strings and lists in. A bump allocator: nothing is freed
;; (an instance serves one request).
(func $cabi_realloc (export "cabi_realloc")
  (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
  (local $ptr i32) (local $end i32) (local $have i32)
  (local.set $ptr
    (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
  (local.set $end (i32.add (local.get $ptr) (local.get $size)))
  (local.set $have (i32.shl (memory.size) (i32.const 16)))
  (if (i32.gt_u (local.get $end) (local.get $have))
    (then
      (if (i32.eq
            (memory.grow
              (i32.shr_u
                (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
                (i32.const 16)))
            (i32.const -1))
        (then unreachable))))
  (if (local.get $old)
    (then
      (memory.copy (local.get $ptr) (local.get $old)
        (select (local.get $old_size) (local.get $size)
          (i32.lt_u (local.get $old_size) (local.get $size))))))
  (global.set $heap (local.get $end))
  (local.get $ptr))

;; --- helpers -------------------------------------------------------------------------------

;; Traps unless the result<...> at $ret is ok.
(func $expect_ok (param $ret i32)
  (if (i32.load8_u (local.get $ret)) (then unreachable)))

;; Sets a 200 response with one content-type header on $outparam and opens its body.
;; Returns the outgoing-body and its output-stream.
(func $respond (param $outparam i32) (param $ct i32) (param $ct_len i32) (result i32 i32)
  (local $headers i32) (local $response i32) (local $body i32)
  (local.set $headers (call $fields.new))
  (call $fields.append (local.get $headers)
    (i32.const 0x400) (i32.const 12) (local.get $ct) (local.get $ct_len) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $response (call $outgoing-response.new (local.get $headers)))
  ;; The body is taken before the response is handed over: set consumes the response.
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

;; Writes [$ptr, $ptr + $len) with blocking-write-and-flush, at most 4096 bytes a call (the WIT
;; limit). Returns 0, or 1 once the stream fails or is closed (the error resource is dropped).
(func $write_all (param $stream i32) (param $ptr i32) (param $len i32) (result i32)
  (local $n i32)
  (block $done
    (loop $next
      (br_if $done (i32.eqz (local.get $len)))
      (local.set $n
        (select (i32.const 4096) (local.get $len) (i32.gt_u (local.get $len) (i32.const 4096))))
      (call $output-stream.blocking-write-and-flush
        (local.get $stream) (local.get $ptr) (local.get $n) (i32.const 0x100))
      (if (i32.load8_u (i32.const 0x100))
        (then
          (if (i32.eqz (i32.load8_u (i32.const 0x104)))
            (then (call $error.drop (i32.load (i32.const 0x108)))))
          (return (i32.const 1))))
      (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
      (local.set $len (i32.sub (local.get $len) (local.get $n)))
      (br $next)))
  (i32.const 0))

;; Writes the decimal digits of unsigned $n at $dst; returns how many.
(func $itoa (param $n i32) (param $dst i32) (result i32)
  (local $len i32) (local $m i32)
  (local.set $m (local.get $n))
  (loop $count
    (local.set $len (i32.add (local.get $len) (i32.const 1)))
    (local.set $m (i32.div_u (local.get $m) (i32.const 10)))
    (br_if $count (local.get $m)))
  (local.set $m (i32.add (local.get $dst) (local.get $len)))
  (loop $digit
    (local.set $m (i32.sub (local.get $m) (i32.const 1)))
    (i32.store8 (local.get $m) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
    (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
    (br_if $digit (local.get $n)))
  (local.get $len))

;; Writes the SSE event "data: tick $n\n\n". Returns $write_all's 0 (ok) or 1 (stream gone).
(func $sse_tick (param $stream i32) (param $n i32) (result i32)
  (local $len i32)
  (memory.copy (i32.const 0x200) (i32.const 0x460) (i32.const 11))
  (local.set $len (i32.add (i32.const 11) (call $itoa (local.get $n) (i32.const 0x20b))))
  (i32.store16 (i32.add (i32.const 0x200) (local.get $len)) (i32.const 0x0a0a))
  (call $write_all (local.get $stream) (i32.const 0x200) (i32.add (local.get $len) (i32.const 2))))

;; Drops $stream, then finishes $body without trailers. A failed finish is ignored on purpose:
;; the response is over either way, and the host reports why.
(func $finish (param $body i32) (param $stream i32)
  (call $output-stream.drop (local.get $stream))
  (call $outgoing-body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 0x100)))

;; Responds 200 text/plain with the body [$ptr, $ptr + $len) and finishes it.
(func $respond_text (param $outparam i32) (param $ptr i32) (param $len i32)
  (local $body i32) (local $stream i32)
  (call $respond (local.get $outparam) (i32.const 0x410) (i32.const 10))
  (local.set $stream)
  (local.set $body)
  (drop (call $write_all (local.get $stream) (local.get $ptr) (local.get $len)))
  (call $finish (local.get $body) (local.get $stream)))
