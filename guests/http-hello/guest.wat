;; http-hello: 200 text/plain "hello from wat\n", body finished.

(data (i32.const 0x800) "hello from wat\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (call $respond_text (local.get $outparam) (i32.const 0x800) (i32.const 15)))
