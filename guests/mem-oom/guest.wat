;; mem-oom: text/event-stream, one event "data: before\n\n", then grows the memory 1 MiB
;; (16 pages) at a time until memory.grow returns -1, then traps.

(data (i32.const 0x800) "data: before\n\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $body i32) (local $stream i32)
  (call $respond (local.get $outparam) (i32.const 0x420) (i32.const 17))
  (local.set $stream)
  (local.set $body)
  (drop (call $write_all (local.get $stream) (i32.const 0x800) (i32.const 14)))
  (loop $grow
    (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
  unreachable)
