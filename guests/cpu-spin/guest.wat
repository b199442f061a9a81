;; cpu-spin: spins in `(loop br 0)` and never responds: no host call, no memory access, nothing
;; but a branch. Without preemption checks it holds its thread forever; with them it yields
;; every slice and traps at its CPU budget (`max-cpu-ms`).

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (loop $forever (br $forever)))
