//! rs-handlers: the seed's handler-module shape in Rust, `fn(Request, Params, Sse)` and
//! `fn(Request, Params) -> Response`, routed as `module#function`; see README.md.
use rusm_rs::http::{Event, Params, Request, Response, Sse};

#[rusm_rs::handlers]
pub mod api {
    use super::*;

    /// `tick N` events: `?n=K` of them, else endless until the client goes away. `?pad=B`: a
    /// B-byte comment after each event (fills socket buffers fast in back-pressure tests).
    pub fn feed(req: Request, _p: Params, sse: Sse) {
        let max: u64 = req
            .query("n")
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX);
        let pad = ".".repeat(req.query("pad").and_then(|n| n.parse().ok()).unwrap_or(0));
        for n in 0..max {
            if !sse.data(format!("tick {n}").as_bytes()) || (!pad.is_empty() && !sse.comment(&pad))
            {
                break; // the client disconnected: stop cleanly
            }
        }
    }

    /// An HTTP action with params: `GET /users/:id` and `GET /users/:id/posts/:post`.
    pub fn user(_req: Request, p: Params) -> Response {
        let id = rusm_rs::http::json_string(p.get("id").unwrap_or(""));
        Response::json(format!(
            r#"{{"id":{id},"params":{},"size":{}}}"#,
            p.to_json(),
            p.len()
        ))
    }

    /// Every field of the format: named events, multi-line data, id, retry, comments.
    pub fn fields(_req: Request, _p: Params, sse: Sse) {
        sse.comment("hello");
        sse.event("greeting", "line one\nline two");
        sse.send(&Event::data("with id").id("7"));
        sse.send(&Event::data("{}").named("config").id("8").retry(2500));
    }

    /// The head before the first event: `?status=N` answers status N with no event (a refusal;
    /// with CORS for any origin); else CORS for any origin and a cache policy of its own, then
    /// one event.
    pub fn head(req: Request, _p: Params, sse: Sse) {
        if let Some(status) = req.query("status").and_then(|s| s.parse::<u16>().ok()) {
            sse.head(status, &[("x-refused", "yes"), ("access-control-allow-origin", "*")]);
            return;
        }
        sse.head(200, &[("access-control-allow-origin", "*"), ("cache-control", "no-store")]);
        sse.data("hello");
    }

    /// An HTTP action that reads the request body.
    pub fn echo(req: Request, p: Params) -> Response {
        let what = p.get("what").unwrap_or("").to_string();
        let body = req.body();
        Response::text(format!("echo {what}: {} bytes\n", body.len()))
    }

    /// Three events, then a panic (`.unwrap()` on None): a truncated body, exit `trap`.
    pub fn boom(_req: Request, _p: Params, sse: Sse) {
        for n in 0..3 {
            sse.data(format!("tick {n}"));
        }
        let missing: Option<u32> = None;
        missing.expect("boom after 3 events");
    }

    /// One event, then allocates until `max-memory-mb` stops it: a truncated body, exit `oom`.
    pub fn hog(_req: Request, _p: Params, sse: Sse) {
        sse.data("hungry");
        let mut hog: Vec<Vec<u8>> = Vec::new();
        loop {
            hog.push(vec![1u8; 1 << 20]);
        }
    }

    /// Panics before answering: 500 and `trap`.
    pub fn fails(_req: Request, _p: Params) -> Response {
        panic!("fails before responding");
    }
}
