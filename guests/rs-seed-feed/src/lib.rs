//! rs-seed-feed: the seed's Rust example (its "Lifecycle — SSE component" page), as written
//! there: an endless `tick N` feed that stops when `sse.data` returns false.
use rusm_rs::http::{Params, Request, Sse};

#[rusm_rs::handlers]
pub mod api {
    use super::*;
    // routed from [serve.routes]: "GET /feed" = "api#feed"
    pub fn feed(_req: Request, _p: Params, sse: Sse) {
        for n in 0.. {
            if !sse.data(format!("tick {n}").as_bytes()) {
                break; // the client disconnected — stop cleanly
            }
        }
    }
}
