//! The wasi:http client-side imports `http::fetch` uses (WASI 0.2.12, wit/deps/http):
//! `outgoing-request`, `request-options`, `outgoing-handler.handle`, `future-incoming-response`,
//! `incoming-response`, and `wasi:io/poll`'s `pollable.block`.
#![allow(clippy::missing_safety_doc)]

#[link(wasm_import_module = "wasi:http/types@0.2.12")]
extern "C" {
    #[link_name = "[constructor]outgoing-request"]
    pub fn outgoing_request_new(headers: i32) -> i32;
    /// `set-method: func(method) -> result`: the variant flattened (tag, string ptr, len); 0 ok.
    #[link_name = "[method]outgoing-request.set-method"]
    pub fn outgoing_request_set_method(this: i32, tag: i32, ptr: *const u8, len: usize) -> i32;
    /// `set-scheme: func(option<scheme>) -> result`: some, scheme tag, other's string.
    #[link_name = "[method]outgoing-request.set-scheme"]
    pub fn outgoing_request_set_scheme(
        this: i32,
        some: i32,
        tag: i32,
        ptr: *const u8,
        len: usize,
    ) -> i32;
    #[link_name = "[method]outgoing-request.set-authority"]
    pub fn outgoing_request_set_authority(this: i32, some: i32, ptr: *const u8, len: usize) -> i32;
    #[link_name = "[method]outgoing-request.set-path-with-query"]
    pub fn outgoing_request_set_path_with_query(
        this: i32,
        some: i32,
        ptr: *const u8,
        len: usize,
    ) -> i32;
    /// `body: func() -> result<outgoing-body>`: tag at 0, handle at 4.
    #[link_name = "[method]outgoing-request.body"]
    pub fn outgoing_request_body(this: i32, ret: *mut u8);

    #[link_name = "[constructor]request-options"]
    pub fn request_options_new() -> i32;
    /// `set-*-timeout: func(option<duration>) -> result` (nanoseconds).
    #[link_name = "[method]request-options.set-connect-timeout"]
    pub fn request_options_set_connect_timeout(this: i32, some: i32, ns: i64) -> i32;
    #[link_name = "[method]request-options.set-first-byte-timeout"]
    pub fn request_options_set_first_byte_timeout(this: i32, some: i32, ns: i64) -> i32;
    #[link_name = "[method]request-options.set-between-bytes-timeout"]
    pub fn request_options_set_between_bytes_timeout(this: i32, some: i32, ns: i64) -> i32;

    #[link_name = "[method]future-incoming-response.subscribe"]
    pub fn future_incoming_response_subscribe(this: i32) -> i32;
    /// `get: func() -> option<result<result<incoming-response, error-code>>>`: option tag at 0,
    /// outer result tag at 8, inner tag at 16, the response handle (or error-code tag) at 24.
    #[link_name = "[method]future-incoming-response.get"]
    pub fn future_incoming_response_get(this: i32, ret: *mut u8);
    #[link_name = "[resource-drop]future-incoming-response"]
    pub fn future_incoming_response_drop(this: i32);

    #[link_name = "[method]incoming-response.status"]
    pub fn incoming_response_status(this: i32) -> i32;
    #[link_name = "[method]incoming-response.headers"]
    pub fn incoming_response_headers(this: i32) -> i32;
    /// `consume: func() -> result<incoming-body>`: tag at 0, handle at 4.
    #[link_name = "[method]incoming-response.consume"]
    pub fn incoming_response_consume(this: i32, ret: *mut u8);
    #[link_name = "[resource-drop]incoming-response"]
    pub fn incoming_response_drop(this: i32);
    #[link_name = "[resource-drop]outgoing-body"]
    pub fn outgoing_body_drop(this: i32);
}

#[link(wasm_import_module = "wasi:http/outgoing-handler@0.2.12")]
extern "C" {
    /// `handle: func(request, option<request-options>) -> result<future-incoming-response,
    /// error-code>`: result tag at 0; ok: the handle at 8; err: the error-code's tag at 8.
    #[link_name = "handle"]
    pub fn handle(request: i32, some: i32, options: i32, ret: *mut u8);
}

#[link(wasm_import_module = "wasi:io/poll@0.2.12")]
extern "C" {
    #[link_name = "[method]pollable.block"]
    pub fn pollable_block(this: i32);
    #[link_name = "[resource-drop]pollable"]
    pub fn pollable_drop(this: i32);
}

/// `error-code`'s cases in WIT order (wit/deps/http/package.wit), by tag.
pub const ERROR_CODES: [&str; 39] = [
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
];
