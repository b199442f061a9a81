;; mem-probe: reports what it finds in memory, then leaves marks for a next request to find.
;;
;; Body: "count=C marker=M pages=P\n" where
;;   C is the i32 at 0x9000 (zero in a fresh memory; incremented before returning),
;;   M is the 5 bytes at 0x800 (data segment "fresh"; overwritten with "dirty" before returning),
;;   P is memory.size at the start (3 in a fresh instance).
;; A request with a query string also grows the memory by one page before returning.
;; A fresh instance with a fresh memory always answers "count=0 marker=fresh pages=3".

;; path-with-query: func() -> option<string>: tag u8 at +0, string ptr at +4, len at +8.
(import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
  (func $incoming-request.path-with-query (param i32 i32)))

(data (i32.const 0x800) "fresh")
(data (i32.const 0x810) "dirty")
(data (i32.const 0x820) "count=")
(data (i32.const 0x830) " marker=")
(data (i32.const 0x840) " pages=")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $out i32) (local $pages i32) (local $has_query i32) (local $i i32)
  (local.set $pages (memory.size))
  ;; Does the path carry a query? Look for '?' in it.
  (call $incoming-request.path-with-query (local.get $request) (i32.const 0x100))
  (if (i32.load8_u (i32.const 0x100))
    (then
      (local.set $i (i32.const 0))
      (block $done
        (loop $scan
          (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0x108))))
          (if (i32.eq (i32.load8_u (i32.add (i32.load (i32.const 0x104)) (local.get $i))) (i32.const 63))
            (then (local.set $has_query (i32.const 1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $scan)))))
  ;; Format the report at 0x10000.
  (local.set $out (i32.const 0x10000))
  (memory.copy (local.get $out) (i32.const 0x820) (i32.const 6))
  (local.set $out (i32.add (local.get $out) (i32.const 6)))
  (local.set $out (i32.add (local.get $out) (call $itoa (i32.load (i32.const 0x9000)) (local.get $out))))
  (memory.copy (local.get $out) (i32.const 0x830) (i32.const 8))
  (local.set $out (i32.add (local.get $out) (i32.const 8)))
  (memory.copy (local.get $out) (i32.const 0x800) (i32.const 5))
  (local.set $out (i32.add (local.get $out) (i32.const 5)))
  (memory.copy (local.get $out) (i32.const 0x840) (i32.const 7))
  (local.set $out (i32.add (local.get $out) (i32.const 7)))
  (local.set $out (i32.add (local.get $out) (call $itoa (local.get $pages) (local.get $out))))
  (i32.store8 (local.get $out) (i32.const 10))
  (local.set $out (i32.add (local.get $out) (i32.const 1)))
  ;; Leave marks for whoever gets this memory next.
  (i32.store (i32.const 0x9000) (i32.add (i32.load (i32.const 0x9000)) (i32.const 1)))
  (memory.copy (i32.const 0x800) (i32.const 0x810) (i32.const 5))
  (if (local.get $has_query) (then (drop (memory.grow (i32.const 1)))))
  (call $respond_text (local.get $outparam) (i32.const 0x10000)
    (i32.sub (local.get $out) (i32.const 0x10000))))
