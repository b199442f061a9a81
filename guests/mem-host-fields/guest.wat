;; mem-host-fields: appends 4,096 entries of 64 KiB each (256 MiB) to one `fields`, then answers
;; 200. Its own linear memory stays at 3 pages: the host holds every byte it appends.

(data (i32.const 0x800) "x-big")
(data (i32.const 0x810) "appended 256 MiB of fields\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $fields i32) (local $i i32)
  ;; A 64 KiB value of "a"s, in the guest's scratch buffer.
  (memory.fill (i32.const 0x10000) (i32.const 0x61) (i32.const 0x10000))
  (local.set $fields (call $fields.new))
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const 4096)))
      (call $fields.append (local.get $fields)
        (i32.const 0x800) (i32.const 5) (i32.const 0x10000) (i32.const 0x10000) (i32.const 0x100))
      (call $expect_ok (i32.const 0x100))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
  (call $respond_text (local.get $outparam) (i32.const 0x810) (i32.const 27)))
