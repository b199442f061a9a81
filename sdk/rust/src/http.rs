//! What a handler gets and gives: [`Request`], [`Params`], [`Response`], and the SSE stream
//! ([`Sse`], re-exported from `sse`).
use crate::abi::http as wasi;
use crate::abi::{bytes_at, RetArea};

pub use crate::broker::Message;
pub use crate::fetch::{fetch, Fetch, FetchError, FetchResponse, Upload};
pub use crate::response::Response;
pub use crate::sse::{Event, IntoEvent, Sse};

/// The incoming request. Method and path are read when the handler starts; headers and the body
/// on demand.
pub struct Request {
    handle: i32,
    method: String,
    path_with_query: String,
}

impl Request {
    pub(crate) fn new(handle: i32) -> Request {
        let mut ret = RetArea::new();
        // SAFETY: `handle` is the live incoming-request handle the host passed to `handle`.
        unsafe { wasi::incoming_request_method(handle, ret.ptr()) };
        let method = match ret.u8(0) {
            0 => "GET",
            1 => "HEAD",
            2 => "POST",
            3 => "PUT",
            4 => "DELETE",
            5 => "CONNECT",
            6 => "OPTIONS",
            7 => "TRACE",
            8 => "PATCH",
            _ => "",
        };
        let method = if method.is_empty() {
            ret.string(4)
        } else {
            method.to_string()
        };
        let mut ret = RetArea::new();
        // SAFETY: as above.
        unsafe { wasi::incoming_request_path_with_query(handle, ret.ptr()) };
        let path_with_query = if ret.u8(0) == 1 {
            ret.string(4)
        } else {
            "/".to_string()
        };
        Request {
            handle,
            method,
            path_with_query,
        }
    }

    /// `GET`, `POST`, ...
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path and query as the client sent them: `/feed?n=5`.
    pub fn path_with_query(&self) -> &str {
        &self.path_with_query
    }

    /// The path without the query: `/feed`.
    pub fn path(&self) -> &str {
        self.path_with_query.split('?').next().unwrap_or("/")
    }

    /// A query parameter's value, percent-decoded (`+` is a space): `query("n")` of
    /// `/feed?n=5` is `Some("5")`. The first one when it repeats.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.path_with_query.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    }

    /// Every header, in order, names lower-case.
    pub fn headers(&self) -> Vec<(String, Vec<u8>)> {
        // SAFETY: the request is live; `fields` is a child we drop before returning.
        unsafe {
            let fields = wasi::incoming_request_headers(self.handle);
            let mut ret = RetArea::new();
            wasi::fields_entries(fields, ret.ptr());
            let (ptr, len) = (ret.i32(0), ret.i32(4));
            let mut out = Vec::with_capacity(len as usize);
            for i in 0..len {
                let at = ptr + i * 16;
                let word = |o: i32| *((at + o) as usize as *const i32);
                let name = crate::abi::string_at(word(0), word(4));
                out.push((name, bytes_at(word(8), word(12)).to_vec()));
            }
            wasi::fields_drop(fields);
            out
        }
    }

    /// One header's value (the first, as text), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.headers()
            .into_iter()
            .find(|(n, _)| n.to_ascii_lowercase() == name)
            .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
    }

    /// Reads the whole body (the process parks while it waits for the client).
    pub fn body(self) -> Vec<u8> {
        let mut body = Vec::new();
        // SAFETY: the request is live; the body and its stream are children dropped in order.
        unsafe {
            let mut ret = RetArea::new();
            wasi::incoming_request_consume(self.handle, ret.ptr());
            if ret.u8(0) != 0 {
                return body;
            }
            let incoming = ret.i32(4);
            wasi::incoming_body_stream(incoming, ret.ptr());
            if ret.u8(0) == 0 {
                let stream = ret.i32(4);
                loop {
                    let mut read = RetArea::new();
                    wasi::input_stream_blocking_read(stream, 65536, read.ptr());
                    if read.u8(0) != 0 {
                        if read.u8(4) == 0 {
                            wasi::error_drop(read.i32(8));
                        }
                        break;
                    }
                    body.extend_from_slice(bytes_at(read.i32(4), read.i32(8)));
                }
                wasi::input_stream_drop(stream);
            }
            wasi::incoming_body_drop(incoming);
        }
        body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(self) -> String {
        String::from_utf8_lossy(&self.body()).into_owned()
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The route's parameters, from its pattern (`"GET /users/:id"` gives `id`), in pattern order,
/// percent-decoded. A `*` tail is the parameter named `*`.
#[derive(Clone, Debug, Default)]
pub struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// The value of `name`; None when the pattern has no such parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// `{"id":"42"}`
    pub fn to_json(&self) -> String {
        let fields: Vec<String> = self
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

/// `s` as a JSON string literal, quoted and escaped.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
