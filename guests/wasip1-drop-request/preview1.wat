;; wasip1-drop-request: a wasm32-wasip1-shaped guest (see wasip1-hello) that answers 200
;; text/plain "request dropped unread\n" and then drops the incoming-request it never read, as a
;; Rust guest does when its `IncomingRequest` goes out of scope. It imports no function of
;; incoming-request at all: only its [resource-drop].

(import "wasi:http/types@0.2.12" "[resource-drop]incoming-request"
  (func $incoming-request.drop (param i32)))
;; fd_write(fd, iovs, iovs_len, nwritten) -> errno
(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

(data (i32.const 0x800) "request dropped unread\0a")
(data (i32.const 0x820) "wasip1-drop-request: answered; dropping the request\0a")

(func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
  (call $respond_text (local.get $outparam) (i32.const 0x800) (i32.const 23))
  (i32.store (i32.const 0x900) (i32.const 0x820))
  (i32.store (i32.const 0x904) (i32.const 52))
  (drop (call $fd_write (i32.const 1) (i32.const 0x900) (i32.const 1) (i32.const 0x908)))
  (call $incoming-request.drop (local.get $request)))
