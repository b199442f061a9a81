;; cpu-host-loop: a fast loop with no host call (its checks' fuel grows to match), then one
;; `fields.from-list` of 60,000 small entries (one host call, kept well below the watchdog's
;; long-step line: 250,000 made it a step of ~0.5-1.3 s of CPU on a busy machine), then
;; `fields.has` of a name it does not hold, 20,000 times: a loop whose every iteration is a
;; slow host call (a scan of every entry in the host, ~0.25 ms). Then 200 `done`.

;; from-list: static func(entries: list<tuple<field-name,field-value>>) -> result<fields, header-error>
(import "wasi:http/types@0.2.12" "[static]fields.from-list"
  (func $fields.from-list (param i32 i32 i32)))
;; has: func(name: field-name) -> bool
(import "wasi:http/types@0.2.12" "[method]fields.has"
  (func $fields.has (param i32 i32 i32) (result i32)))

(data (i32.const 0x800) "x-n")
(data (i32.const 0x808) "v")
(data (i32.const 0x810) "x-absent")
(data (i32.const 0x820) "done\n")

;; The entries list: 250,000 tuples of (name ptr, name len, value ptr, value len), at 0x100000.
(global $entries i32 (i32.const 0x100000))
(global $count i32 (i32.const 60000))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $n i32) (local $at i32) (local $fields i32) (local $found i32)
  ;; Fast: 2^27 iterations, no host call.
  (loop $spin
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (br_if $spin (i32.lt_u (local.get $n) (i32.const 0x8000000))))
  ;; The list, built in memory (fast too): 16 bytes an entry, 4 MB from 1 MiB up.
  (drop (memory.grow (i32.const 80)))
  (local.set $n (i32.const 0))
  (local.set $at (global.get $entries))
  (loop $build
    (i32.store (local.get $at) (i32.const 0x800))
    (i32.store offset=4 (local.get $at) (i32.const 3))
    (i32.store offset=8 (local.get $at) (i32.const 0x808))
    (i32.store offset=12 (local.get $at) (i32.const 1))
    (local.set $at (i32.add (local.get $at) (i32.const 16)))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (br_if $build (i32.lt_u (local.get $n) (global.get $count))))
  (call $fields.from-list (global.get $entries) (global.get $count) (i32.const 0x100))
  (call $expect_ok (i32.const 0x100))
  (local.set $fields (i32.load (i32.const 0x104)))
  ;; Slow: each iteration is one host call that scans 250,000 entries.
  (local.set $n (i32.const 0))
  (loop $scan
    (local.set $found
      (i32.or (local.get $found)
        (call $fields.has (local.get $fields) (i32.const 0x810) (i32.const 8))))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (br_if $scan (i32.lt_u (local.get $n) (i32.const 20000))))
  (call $respond_text (local.get $outparam) (i32.const 0x820) (i32.const 5)))
