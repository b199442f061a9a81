;; fixture-core-module: a plain core wasm module, not a component. It even exports a function
;; named like the incoming handler, so only the binary's kind tells it apart.
(module
  (memory (export "memory") 1)
  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32)))
