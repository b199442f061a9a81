//! rs-fetch: `rusm_rs::http::fetch` and `Fetch` (outbound HTTP) from a Rust guest; see README.md.
use rusm_rs::http::{fetch, Fetch, Params, Request, Response, Sse};

#[rusm_rs::handlers]
pub mod api {
    use super::*;

    /// GETs `?u=`, answers `<status> <body>`; 502 with the error code when it fails.
    pub fn get(req: Request, _p: Params) -> Response {
        let u = req.query("u").unwrap_or_default();
        match fetch(&u).and_then(|res| Ok((res.status(), res.text()?))) {
            Ok((status, text)) => Response::text(format!("{status} {text}")),
            Err(e) => Response::text(format!("error: {e}\n")).with_status(502),
        }
    }

    /// GETs `?u=` with timeouts `?connect=`, `?first=`, `?between=` (ms): the error code when
    /// one fires (504), else the body's length.
    pub fn timed(req: Request, _p: Params) -> Response {
        let u = req.query("u").unwrap_or_default();
        let ms = |name: &str| req.query(name).and_then(|v| v.parse::<u64>().ok());
        let mut call = Fetch::new("GET", &u);
        if let Some(v) = ms("connect") {
            call = call.connect_timeout_ms(v);
        }
        if let Some(v) = ms("first") {
            call = call.first_byte_timeout_ms(v);
        }
        if let Some(v) = ms("between") {
            call = call.between_bytes_timeout_ms(v);
        }
        let result = call.send().and_then(|upload| upload.finish()).and_then(|mut res| {
            let mut n = 0;
            while let Some(chunk) = res.chunk() {
                n += chunk?.len();
            }
            Ok(n)
        });
        match result {
            Ok(n) => Response::text(format!("{n} bytes\n")),
            Err(e) => Response::text(format!("error: {e}\n")).with_status(504),
        }
    }

    /// POSTs `?kb=` KiB to `?u=`, written in 4 KiB pieces as the upstream reads them; answers
    /// `<status> <bytes echoed>`.
    pub fn upload(req: Request, _p: Params) -> Response {
        let u = req.query("u").unwrap_or_default();
        let kb: usize = req.query("kb").and_then(|v| v.parse().ok()).unwrap_or(64);
        let piece = [b'r'; 4096];
        let result = Fetch::new("POST", &u).send().and_then(|mut upload| {
            for _ in 0..kb / 4 {
                if !upload.write(&piece) {
                    break;
                }
            }
            let res = upload.finish()?;
            Ok((res.status(), res.bytes()?.len()))
        });
        match result {
            Ok((status, n)) => Response::text(format!("{status} {n}\n")),
            Err(e) => Response::text(format!("error: {e}\n")).with_status(502),
        }
    }

    /// Forwards the event stream at `?u=`, each `data:` line upper-cased, until either side
    /// goes away.
    pub fn feed(req: Request, _p: Params, sse: Sse) {
        let u = req.query("u").unwrap_or_default();
        let Ok(mut res) = Fetch::new("GET", &u).header("accept", "text/event-stream").send().and_then(|r| r.finish()) else {
            return;
        };
        let mut buffered = String::new();
        while let Some(Ok(chunk)) = res.chunk() {
            buffered.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffered.find("\n\n") {
                let event: String = buffered.drain(..end + 2).collect();
                for line in event.lines() {
                    if let Some(data) = line.strip_prefix("data: ") {
                        if !sse.data(data.to_uppercase().as_bytes()) {
                            return; // the client left: dropping `res` closes the upstream
                        }
                    }
                }
            }
        }
    }
}
