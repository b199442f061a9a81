//! Outbound HTTP: [`fetch`] (a GET) and [`Fetch`] (any method, headers, timeouts, a request
//! body streamed while the upstream reads it), over `wasi:http/outgoing-handler`. The host
//! allows only the origins routes.toml's `allow-outbound` lists; anything else fails with
//! `HTTP-request-denied`. Every wait parks the process (no spinning).
use crate::abi::http as wasi;
use crate::abi::outbound as out;
use crate::abi::bytes_at;
use crate::abi::RetArea;
use std::fmt;

/// Why a fetch failed: the wasi:http `error-code` tag (`HTTP-request-denied`,
/// `connection-refused`, `connection-read-timeout`...), or `invalid-url`, or `body-failed`
/// (the response body ended with an error midway).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchError {
    pub code: String,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl FetchError {
    fn new(code: &str) -> FetchError {
        FetchError { code: code.to_string() }
    }
    fn from_tag(tag: u8) -> FetchError {
        FetchError::new(out::ERROR_CODES.get(tag as usize).copied().unwrap_or("internal-error"))
    }
}

/// A 64-byte, 8-aligned return area: `future-incoming-response.get` returns 56 bytes.
#[repr(C, align(8))]
struct BigRet([u8; 64]);

impl BigRet {
    fn new() -> Self {
        BigRet([0; 64])
    }
    fn ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr()
    }
    fn u8(&self, at: usize) -> u8 {
        self.0[at]
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
}

/// An outbound request being built: `Fetch::new("POST", url).header(..).send()`.
pub struct Fetch {
    method: String,
    url: String,
    headers: Vec<(String, Vec<u8>)>,
    timeouts_ms: [Option<u64>; 3],
}

impl Fetch {
    pub fn new(method: &str, url: &str) -> Fetch {
        Fetch {
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            headers: Vec::new(),
            timeouts_ms: [None; 3],
        }
    }
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Fetch {
        self.headers.push((name.to_string(), value.as_ref().to_vec()));
        self
    }
    /// The time to connect (unset: the host's default, 10 s).
    pub fn connect_timeout_ms(mut self, ms: u64) -> Fetch {
        self.timeouts_ms[0] = Some(ms);
        self
    }
    /// The time from the request to the response head (unset: 60 s).
    pub fn first_byte_timeout_ms(mut self, ms: u64) -> Fetch {
        self.timeouts_ms[1] = Some(ms);
        self
    }
    /// The longest silence within the response body (unset: 300 s).
    pub fn between_bytes_timeout_ms(mut self, ms: u64) -> Fetch {
        self.timeouts_ms[2] = Some(ms);
        self
    }

    /// Starts the request; write its body with [`Upload::write`], then [`Upload::finish`].
    pub fn send(self) -> Result<Upload, FetchError> {
        let (https, authority, path) = split_url(&self.url)?;
        // SAFETY: every handle below is fresh from the host and used once, in WIT order.
        unsafe {
            let fields = wasi::fields_new();
            for (name, value) in &self.headers {
                let mut ret = RetArea::new();
                wasi::fields_append(
                    fields,
                    name.as_ptr(),
                    name.len(),
                    value.as_ptr(),
                    value.len(),
                    ret.ptr(),
                );
            }
            let request = out::outgoing_request_new(fields);
            let (tag, other) = method_tag(&self.method);
            out::outgoing_request_set_method(request, tag, other.as_ptr(), other.len());
            out::outgoing_request_set_scheme(request, 1, if https { 1 } else { 0 }, [].as_ptr(), 0);
            out::outgoing_request_set_authority(request, 1, authority.as_ptr(), authority.len());
            out::outgoing_request_set_path_with_query(request, 1, path.as_ptr(), path.len());
            // GET and HEAD go without a body (a taken body is sent, chunked, even when empty).
            let (body, stream) = if self.method == "GET" || self.method == "HEAD" {
                (-1, -1)
            } else {
                let mut ret = RetArea::new();
                out::outgoing_request_body(request, ret.ptr());
                let body = ret.i32(4);
                let mut ret = RetArea::new();
                wasi::outgoing_body_write(body, ret.ptr());
                (body, ret.i32(4))
            };
            let options = out::request_options_new();
            let setters = [
                out::request_options_set_connect_timeout,
                out::request_options_set_first_byte_timeout,
                out::request_options_set_between_bytes_timeout,
            ];
            for (ms, set) in self.timeouts_ms.iter().zip(setters) {
                if let Some(ms) = ms {
                    set(options, 1, (*ms as i64).saturating_mul(1_000_000));
                }
            }
            let mut ret = BigRet::new();
            out::handle(request, 1, options, ret.ptr());
            if ret.u8(0) != 0 {
                if body >= 0 {
                    wasi::output_stream_drop(stream);
                    out::outgoing_body_drop(body);
                }
                return Err(FetchError::from_tag(ret.u8(8)));
            }
            Ok(Upload {
                future: ret.i32(8),
                body,
                stream,
            })
        }
    }
}

/// A request whose body is still being written (it streams to the upstream as it is written).
pub struct Upload {
    future: i32,
    body: i32,
    stream: i32,
}

impl Upload {
    /// Writes `bytes` (parking while the upstream is slow); false once the request failed, or
    /// for a GET or HEAD (sent without a body).
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        if self.body < 0 {
            return false;
        }
        for chunk in bytes.chunks(4096) {
            let mut ret = RetArea::new();
            // SAFETY: the stream is live until finish.
            unsafe {
                wasi::output_stream_blocking_write_and_flush(
                    self.stream,
                    chunk.as_ptr(),
                    chunk.len(),
                    ret.ptr(),
                )
            };
            if ret.u8(0) != 0 {
                if ret.u8(4) == 0 {
                    unsafe { wasi::error_drop(ret.i32(8)) };
                }
                return false;
            }
        }
        true
    }

    /// Ends the body and waits for the response head.
    pub fn finish(self) -> Result<FetchResponse, FetchError> {
        // SAFETY: the stream is a child of the body: dropped first; then the body is consumed.
        unsafe {
            if self.body >= 0 {
                wasi::output_stream_drop(self.stream);
                let mut ret = RetArea::new();
                wasi::outgoing_body_finish(self.body, 0, 0, ret.ptr());
            }
            let pollable = out::future_incoming_response_subscribe(self.future);
            out::pollable_block(pollable);
            out::pollable_drop(pollable);
            let mut ret = BigRet::new();
            out::future_incoming_response_get(self.future, ret.ptr());
            out::future_incoming_response_drop(self.future);
            if ret.u8(0) == 0 || ret.u8(8) != 0 {
                return Err(FetchError::new("internal-error"));
            }
            if ret.u8(16) != 0 {
                return Err(FetchError::from_tag(ret.u8(24)));
            }
            FetchResponse::new(ret.i32(24))
        }
    }
}

/// A response whose body is read as it arrives ([`FetchResponse::chunk`]) or whole.
pub struct FetchResponse {
    response: i32,
    body: i32,
    stream: i32,
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    done: bool,
}

impl FetchResponse {
    unsafe fn new(response: i32) -> Result<FetchResponse, FetchError> {
        let status = out::incoming_response_status(response) as u16;
        let fields = out::incoming_response_headers(response);
        let mut ret = RetArea::new();
        wasi::fields_entries(fields, ret.ptr());
        let (ptr, len) = (ret.i32(0), ret.i32(4));
        let mut headers = Vec::with_capacity(len as usize);
        for i in 0..len {
            let at = ptr + i * 16;
            let word = |o: i32| *((at + o) as usize as *const i32);
            let name = crate::abi::string_at(word(0), word(4));
            headers.push((name, bytes_at(word(8), word(12)).to_vec()));
        }
        wasi::fields_drop(fields);
        let mut ret = RetArea::new();
        out::incoming_response_consume(response, ret.ptr());
        let body = ret.i32(4);
        let mut ret = RetArea::new();
        wasi::incoming_body_stream(body, ret.ptr());
        Ok(FetchResponse {
            response,
            body,
            stream: ret.i32(4),
            status,
            headers,
            done: false,
        })
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header, in order, names lower-case.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// The next piece of the body as it arrives (parking until it does); None at its end.
    pub fn chunk(&mut self) -> Option<Result<Vec<u8>, FetchError>> {
        if self.done {
            return None;
        }
        let mut read = RetArea::new();
        // SAFETY: the stream is live until drop.
        unsafe { wasi::input_stream_blocking_read(self.stream, 65536, read.ptr()) };
        if read.u8(0) == 0 {
            return Some(Ok(unsafe { bytes_at(read.i32(4), read.i32(8)) }.to_vec()));
        }
        self.done = true;
        if read.u8(4) == 0 {
            unsafe { wasi::error_drop(read.i32(8)) };
            return Some(Err(FetchError::new("body-failed")));
        }
        None
    }

    /// The whole body.
    pub fn bytes(mut self) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk() {
            body.extend_from_slice(&chunk?);
        }
        Ok(body)
    }

    /// The whole body as text (invalid UTF-8 replaced).
    pub fn text(self) -> Result<String, FetchError> {
        Ok(String::from_utf8_lossy(&self.bytes()?).into_owned())
    }
}

impl Drop for FetchResponse {
    fn drop(&mut self) {
        // SAFETY: children first: the stream, the body (closes the upstream if unread), the response.
        unsafe {
            wasi::input_stream_drop(self.stream);
            wasi::incoming_body_drop(self.body);
            out::incoming_response_drop(self.response);
        }
    }
}

/// GETs `url`: `let text = rusm_rs::http::fetch("https://api.example.com/v1")?.text()?;`
pub fn fetch(url: &str) -> Result<FetchResponse, FetchError> {
    Fetch::new("GET", url).send()?.finish()
}

/// `http(s)://authority/path?query` → (https, authority, path-with-query).
fn split_url(url: &str) -> Result<(bool, String, String), FetchError> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(FetchError::new("invalid-url"));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    if authority.is_empty() {
        return Err(FetchError::new("invalid-url"));
    }
    Ok((https, authority.to_string(), path))
}

/// The WIT `method` variant's tag, and `other`'s string.
fn method_tag(method: &str) -> (i32, &str) {
    let known = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    match known.iter().position(|m| *m == method) {
        Some(i) => (i as i32, ""),
        None => (9, method),
    }
}
