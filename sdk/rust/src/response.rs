//! An HTTP action's answer ([`Response`], re-exported as `rusm_rs::http::Response`) and how it
//! is sent through `wasi:http/types.response-outparam`.
use crate::abi::http as wasi;
use crate::abi::RetArea;

/// An HTTP action's answer: status, headers, body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Response {
    /// `status` with `body` and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    /// 200, `content-type: text/plain; charset=utf-8`.
    pub fn text(body: impl Into<String>) -> Response {
        Response::new(200, body.into()).with_header("content-type", "text/plain; charset=utf-8")
    }
    /// 200, `content-type: application/json`; `body` is already JSON.
    pub fn json(body: impl Into<String>) -> Response {
        Response::new(200, body.into()).with_header("content-type", "application/json")
    }
    pub fn with_status(mut self, status: u16) -> Response {
        self.status = status;
        self
    }
    pub fn with_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Response {
        self.headers
            .push((name.to_string(), value.as_ref().to_vec()));
        self
    }
}

impl From<String> for Response {
    fn from(body: String) -> Response {
        Response::text(body)
    }
}

impl From<&str> for Response {
    fn from(body: &str) -> Response {
        Response::text(body)
    }
}

/// Sends `response` through `outparam`: head, then the body in 4096-byte writes, then finish.
/// A client that left makes the writes fail; the rest is skipped.
pub(crate) fn respond(outparam: i32, response: Response) {
    // SAFETY: `outparam` is the live response-outparam handle; each child resource is dropped
    // before its parent is consumed (the output stream before outgoing-body.finish).
    unsafe {
        let headers = wasi::fields_new();
        let mut ret = RetArea::new();
        for (name, value) in &response.headers {
            wasi::fields_append(
                headers,
                name.as_ptr(),
                name.len(),
                value.as_ptr(),
                value.len(),
                ret.ptr(),
            );
            if ret.u8(0) != 0 {
                crate::rt::crash(&format!("invalid response header {name:?}"));
            }
        }
        let out = wasi::outgoing_response_new(headers);
        if wasi::outgoing_response_set_status_code(out, i32::from(response.status)) != 0 {
            crate::rt::crash(&format!("invalid response status {}", response.status));
        }
        wasi::outgoing_response_body(out, ret.ptr());
        let body = ret.i32(4);
        wasi::response_outparam_set(outparam, 0, out, 0, 0, 0, 0, 0, 0);
        wasi::outgoing_body_write(body, ret.ptr());
        let stream = ret.i32(4);
        for chunk in response.body.chunks(4096) {
            wasi::output_stream_blocking_write_and_flush(
                stream,
                chunk.as_ptr(),
                chunk.len(),
                ret.ptr(),
            );
            if ret.u8(0) != 0 {
                if ret.u8(4) == 0 {
                    wasi::error_drop(ret.i32(8));
                }
                break;
            }
        }
        wasi::output_stream_drop(stream);
        wasi::outgoing_body_finish(body, 0, 0, ret.ptr());
    }
}
