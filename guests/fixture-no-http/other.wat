;; fixture-no-http: a component (built against world.wit) that exports wasi:cli/run@0.2.12
;; and nothing else. run: func() -> result; the flattened result is its tag, 0 = ok.
(module
  (memory (export "memory") 1)
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (i32.const 0)))
