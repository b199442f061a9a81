;; cli-stdio: writes "hello stdout\n" to wasi:cli/stdout and "hello stderr\n" to
;; wasi:cli/stderr, then 200 "ok\n".

(import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
(import "wasi:cli/stderr@0.2.12" "get-stderr" (func $get-stderr (result i32)))

(data (i32.const 0x800) "hello stdout\n")
(data (i32.const 0x810) "hello stderr\n")
(data (i32.const 0x820) "ok\n")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (local $out i32)
  (local.set $out (call $get-stdout))
  (drop (call $write_all (local.get $out) (i32.const 0x800) (i32.const 13)))
  (call $output-stream.drop (local.get $out))
  (local.set $out (call $get-stderr))
  (drop (call $write_all (local.get $out) (i32.const 0x810) (i32.const 13)))
  (call $output-stream.drop (local.get $out))
  (call $respond_text (local.get $outparam) (i32.const 0x820) (i32.const 3)))
