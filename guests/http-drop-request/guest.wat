;; http-drop-request: answers 200 text/plain "request dropped unread\n", then drops the
;; incoming-request it never read. Imports no function of incoming-request, only its
;; [resource-drop]: the single-module twin of wasip1-drop-request.

(import "wasi:http/types@0.2.12" "[resource-drop]incoming-request"
  (func $incoming-request.drop (param i32)))

(data (i32.const 0x800) "request dropped unread\0a")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (call $respond_text (local.get $outparam) (i32.const 0x800) (i32.const 23))
  (call $incoming-request.drop (local.get $request)))
