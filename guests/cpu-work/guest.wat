;; cpu-work: a compute-heavy small guest. Each request runs 2^24 rounds of an xorshift step in a
;; function called from a loop (a loop header and a function entry per round, the checks'
;; worst case), then answers 200 text/plain with the result in decimal and a newline.

(func $step (param $x i32) (result i32)
  (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
  (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
  (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $x i32) (local $n i32) (local $len i32)
  (local.set $x (i32.const 2463534242))
  (local.set $n (i32.const 16777216))
  (loop $round
    (local.set $x (call $step (local.get $x)))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (br_if $round (local.get $n)))
  (local.set $len (call $itoa (local.get $x) (i32.const 0x800)))
  (i32.store8 (i32.add (i32.const 0x800) (local.get $len)) (i32.const 10))
  (call $respond_text (local.get $outparam) (i32.const 0x800)
    (i32.add (local.get $len) (i32.const 1))))
