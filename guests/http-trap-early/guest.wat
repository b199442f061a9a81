;; http-trap-early: traps before any response is set.

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  unreachable)
