//! rusm's own imports: `rusm:guest/{context,sse,websocket,process}@0.1.0` and
//! `rusm:pubsub/{broker,mailbox}@0.1.0` (wit/*.wit, wit/deps/pubsub).

#[link(wasm_import_module = "rusm:guest/context@0.1.0")]
extern "C" {
    /// `target: func() -> option<handler-target>`: tag at 0; module at 4, function at 12,
    /// params (list of 16-byte string pairs) at 20, route at 28.
    #[link_name = "target"]
    pub fn context_target(ret: *mut u8);
}

#[link(wasm_import_module = "rusm:guest/sse@0.1.0")]
extern "C" {
    /// `open: func() -> event-stream`. Traps when the process has already responded.
    #[link_name = "open"]
    pub fn sse_open() -> i32;
    /// `open-with: func(head: head) -> event-stream`, the record flattened: status, then the
    /// headers list<tuple<string, string>> (ptr to 16-byte pairs, len).
    #[link_name = "open-with"]
    pub fn sse_open_with(status: i32, headers: *const u8, len: usize) -> i32;
    #[link_name = "[method]event-stream.data"]
    pub fn event_stream_data(this: i32, data: *const u8, len: usize) -> i32;
    #[link_name = "[method]event-stream.event"]
    pub fn event_stream_event(
        this: i32,
        name: *const u8,
        name_len: usize,
        data: *const u8,
        data_len: usize,
    ) -> i32;
    /// `send: func(ev: event) -> bool`, the record flattened: name option<string> (tag, ptr,
    /// len), data (ptr, len), id option<string>, retry option<u32> (tag, value).
    #[link_name = "[method]event-stream.send"]
    pub fn event_stream_send(
        this: i32,
        has_name: i32,
        name: *const u8,
        name_len: usize,
        data: *const u8,
        data_len: usize,
        has_id: i32,
        id: *const u8,
        id_len: usize,
        has_retry: i32,
        retry: i32,
    ) -> i32;
    #[link_name = "[method]event-stream.comment"]
    pub fn event_stream_comment(this: i32, text: *const u8, len: usize) -> i32;
    /// `next: func(heartbeat-ms: u32) -> option<message>`: tag at 0, topic at 4, data at 12.
    #[link_name = "[method]event-stream.next"]
    pub fn event_stream_next(this: i32, heartbeat_ms: i32, ret: *mut u8);
    #[link_name = "[method]event-stream.run"]
    pub fn event_stream_run(this: i32, heartbeat_ms: i32);
    #[link_name = "[method]event-stream.finish"]
    pub fn event_stream_finish(this: i32);
    #[link_name = "[resource-drop]event-stream"]
    pub fn event_stream_drop(this: i32);
}

#[link(wasm_import_module = "rusm:guest/process@0.1.0")]
extern "C" {
    /// `abort: func(message: string)`: ends the process as a crash; does not return.
    #[link_name = "abort"]
    pub fn process_abort(message: *const u8, len: usize);
}

#[link(wasm_import_module = "rusm:pubsub/broker@0.1.0")]
extern "C" {
    #[link_name = "subscribe"]
    pub fn broker_subscribe(topic: *const u8, len: usize);
    #[link_name = "unsubscribe"]
    pub fn broker_unsubscribe(topic: *const u8, len: usize);
    #[link_name = "publish"]
    pub fn broker_publish(topic: *const u8, len: usize, data: *const u8, data_len: usize) -> i32;
}

#[link(wasm_import_module = "rusm:pubsub/mailbox@0.1.0")]
extern "C" {
    /// `receive: func(timeout-ms: u32) -> received`: tag at 0 (0 message, 1 timeout,
    /// 2 closed); a message's topic at 4, data at 12.
    #[link_name = "receive"]
    pub fn mailbox_receive(timeout_ms: i32, ret: *mut u8);
}

#[link(wasm_import_module = "rusm:guest/websocket@0.1.0")]
extern "C" {
    /// `offered-protocols: func() -> list<string>`: the list's (ptr, len) at 0 and 4, each
    /// element a string's (ptr, len).
    #[link_name = "offered-protocols"]
    pub fn websocket_offered_protocols(ret: *mut u8);
    /// `accept: func(protocol: option<string>) -> websocket`: the option flattened (tag, ptr,
    /// len). Traps when the process has already responded or the protocol was not offered.
    #[link_name = "accept"]
    pub fn websocket_accept(has_protocol: i32, protocol: *const u8, len: usize) -> i32;
    /// `protocol: func() -> option<string>`: tag at 0, the string at 4.
    #[link_name = "[method]websocket.protocol"]
    pub fn websocket_protocol(this: i32, ret: *mut u8);
    /// `recv: func() -> incoming`: tag at 0 (0 text, 1 binary, 2 closed); text or binary as
    /// (ptr, len) at 4; closed's code (u16) at 4 and reason at 8.
    #[link_name = "[method]websocket.recv"]
    pub fn websocket_recv(this: i32, ret: *mut u8);
    #[link_name = "[method]websocket.send-text"]
    pub fn websocket_send_text(this: i32, text: *const u8, len: usize) -> i32;
    #[link_name = "[method]websocket.send-binary"]
    pub fn websocket_send_binary(this: i32, data: *const u8, len: usize) -> i32;
    #[link_name = "[method]websocket.close"]
    pub fn websocket_close(this: i32, code: i32, reason: *const u8, len: usize);
    /// `run: func(heartbeat-ms: u32) -> incoming`: as `recv`.
    #[link_name = "[method]websocket.run"]
    pub fn websocket_run(this: i32, heartbeat_ms: i32, ret: *mut u8);
    #[link_name = "[resource-drop]websocket"]
    pub fn websocket_drop(this: i32);
}
