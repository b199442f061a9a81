//! rusm's Rust guest SDK (docs/rust-guide.md).
//!
//! ```ignore
//! use rusm_rs::http::{Params, Request, Sse};
//!
//! #[rusm_rs::handlers]
//! pub mod api {
//!     use super::*;
//!     // routed from [serve.routes]: "GET /feed" = "api#feed"
//!     pub fn feed(_req: Request, _p: Params, sse: Sse) {
//!         for n in 0.. {
//!             if !sse.data(format!("tick {n}").as_bytes()) {
//!                 break; // the client disconnected: stop cleanly
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! `rusm build <crate>` compiles the crate (a `cdylib`) for `wasm32-unknown-unknown` with
//! `-Zbuild-std` and wraps it into a component of `rusm:guest/handlers` (wit/). Each request
//! runs in a fresh instance; a panic ends the process as a crash (`trap`, a truncated body).
//! The bindings to rusm's WIT are hand-written (`abi`): nothing is fetched from crates.io.
pub mod broker;
pub mod http;
pub mod ws;

mod abi;
mod fetch;
mod response;
mod sse;

#[doc(hidden)]
#[path = "rt.rs"]
pub mod __rt;

pub(crate) use __rt as rt;

/// Exports each `pub fn` of the module as a handler, routed as `module#function`: three
/// parameters `(Request, Params, Sse)` make an SSE action, `(Request, Params, Ws)` a WebSocket
/// action (`rusm_rs::ws::Ws`), two `(Request, Params)` returning
/// `impl Into<Response>` an HTTP action.
pub use rusm_rs_macros::handlers;
