//! The wasi:http and wasi:io imports rusm_rs uses (WASI 0.2.12, wit/deps/http, wit/deps/io).
#![allow(clippy::missing_safety_doc)]

#[link(wasm_import_module = "wasi:http/types@0.2.12")]
extern "C" {
    /// `method: func() -> method`: tag at 0, `other(string)` at 4.
    #[link_name = "[method]incoming-request.method"]
    pub fn incoming_request_method(this: i32, ret: *mut u8);
    /// `path-with-query: func() -> option<string>`: tag at 0, string at 4.
    #[link_name = "[method]incoming-request.path-with-query"]
    pub fn incoming_request_path_with_query(this: i32, ret: *mut u8);
    /// `headers: func() -> headers` (a child of the request: drop it first).
    #[link_name = "[method]incoming-request.headers"]
    pub fn incoming_request_headers(this: i32) -> i32;
    /// `consume: func() -> result<incoming-body>`: tag at 0, handle at 4.
    #[link_name = "[method]incoming-request.consume"]
    pub fn incoming_request_consume(this: i32, ret: *mut u8);
    /// `stream: func() -> result<input-stream>`: tag at 0, handle at 4.
    #[link_name = "[method]incoming-body.stream"]
    pub fn incoming_body_stream(this: i32, ret: *mut u8);
    #[link_name = "[resource-drop]incoming-body"]
    pub fn incoming_body_drop(this: i32);

    #[link_name = "[constructor]fields"]
    pub fn fields_new() -> i32;
    /// `entries: func() -> list<tuple<field-name, field-value>>`: list at 0; 16-byte elements.
    #[link_name = "[method]fields.entries"]
    pub fn fields_entries(this: i32, ret: *mut u8);
    /// `append: func(name, value) -> result<_, header-error>`: tag at 0, error enum at 1.
    #[link_name = "[method]fields.append"]
    pub fn fields_append(
        this: i32,
        name: *const u8,
        name_len: usize,
        value: *const u8,
        value_len: usize,
        ret: *mut u8,
    );
    #[link_name = "[resource-drop]fields"]
    pub fn fields_drop(this: i32);

    #[link_name = "[constructor]outgoing-response"]
    pub fn outgoing_response_new(headers: i32) -> i32;
    /// `set-status-code: func(status-code) -> result`: 0 ok.
    #[link_name = "[method]outgoing-response.set-status-code"]
    pub fn outgoing_response_set_status_code(this: i32, status: i32) -> i32;
    /// `body: func() -> result<outgoing-body>`: tag at 0, handle at 4.
    #[link_name = "[method]outgoing-response.body"]
    pub fn outgoing_response_body(this: i32, ret: *mut u8);
    /// `write: func() -> result<output-stream>`: tag at 0, handle at 4.
    #[link_name = "[method]outgoing-body.write"]
    pub fn outgoing_body_write(this: i32, ret: *mut u8);
    /// `finish: static func(this: outgoing-body, trailers: option<trailers>) -> result<_, error-code>`.
    #[link_name = "[static]outgoing-body.finish"]
    pub fn outgoing_body_finish(this: i32, has_trailers: i32, trailers: i32, ret: *mut u8);
    /// `set: static func(param, response: result<outgoing-response, error-code>)`, flattened:
    /// param, the result's tag, then the joined payload slots (ok: the response, then zeros).
    #[link_name = "[static]response-outparam.set"]
    pub fn response_outparam_set(
        param: i32,
        tag: i32,
        response: i32,
        a: i32,
        b: i64,
        c: i32,
        d: i32,
        e: i32,
        f: i32,
    );
}

#[link(wasm_import_module = "wasi:io/streams@0.2.12")]
extern "C" {
    /// `blocking-read: func(len: u64) -> result<list<u8>, stream-error>`: tag at 0; ok: list at
    /// 4; err: stream-error's tag at 4 (0 last-operation-failed with an error at 8, 1 closed).
    #[link_name = "[method]input-stream.blocking-read"]
    pub fn input_stream_blocking_read(this: i32, len: i64, ret: *mut u8);
    #[link_name = "[resource-drop]input-stream"]
    pub fn input_stream_drop(this: i32);
    /// `blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>`, at most
    /// 4096 bytes a call: tag at 0, stream-error as for blocking-read.
    #[link_name = "[method]output-stream.blocking-write-and-flush"]
    pub fn output_stream_blocking_write_and_flush(
        this: i32,
        data: *const u8,
        len: usize,
        ret: *mut u8,
    );
    #[link_name = "[resource-drop]output-stream"]
    pub fn output_stream_drop(this: i32);
}

#[link(wasm_import_module = "wasi:io/error@0.2.12")]
extern "C" {
    #[link_name = "[resource-drop]error"]
    pub fn error_drop(this: i32);
}
