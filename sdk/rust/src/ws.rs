//! The WebSocket of a WebSocket action (`rusm:guest/websocket` `websocket`).
//!
//! ```ignore
//! use rusm_rs::http::{Params, Request};
//! use rusm_rs::ws::Ws;
//!
//! #[rusm_rs::handlers]
//! pub mod chat {
//!     use super::*;
//!     // routed from [serve.routes]: "GET /ws/echo" = "chat#echo"
//!     pub fn echo(_req: Request, _p: Params, ws: Ws) {
//!         for message in &ws {
//!             if !ws.send(message) {
//!                 break; // the client is gone
//!             }
//!         }
//!     }
//! }
//! ```
use std::cell::{Cell, RefCell};

use crate::abi::rusm as host;
use crate::abi::{bytes_at, RetArea};

/// A message: text or binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Text(String),
    Binary(Vec<u8>),
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text)
    }
}
impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::Text(text.to_string())
    }
}
impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Message {
        Message::Binary(data)
    }
}
impl From<&[u8]> for Message {
    fn from(data: &[u8]) -> Message {
        Message::Binary(data.to_vec())
    }
}

/// How the connection ended: the close frame's code (1005: none given; 1006: no close frame)
/// and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

/// The socket of a WebSocket action, one per process. The handshake completes on first use, or
/// at [`Ws::accept`] to choose a subprotocol the client offered. `recv` waits for the next
/// message (the process parks) and gives None once the connection is over; `send` waits while
/// the client is behind and returns false once it is gone: stop then, and return. Returning
/// closes the socket with 1000; a panic closes it with 1011 (the process traps).
pub struct Ws {
    handle: Cell<Option<i32>>,
    closed: RefCell<Option<Close>>,
}

impl Ws {
    pub(crate) fn new() -> Ws {
        Ws {
            handle: Cell::new(None),
            closed: RefCell::new(None),
        }
    }

    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its order.
    pub fn protocols(&self) -> Vec<String> {
        let mut ret = RetArea::new();
        // SAFETY: the host writes a list<string> (ptr, len) into `ret`.
        unsafe { host::websocket_offered_protocols(ret.ptr()) };
        let (ptr, len) = (ret.i32(0), ret.i32(4));
        // SAFETY: the host wrote `len` (ptr, len) pairs of UTF-8 at `ptr`.
        let raw = unsafe { bytes_at(ptr, len * 8) };
        raw.chunks(8)
            .map(|pair| {
                let p = i32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
                let l = i32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]);
                // SAFETY: as above.
                unsafe { crate::abi::string_at(p, l) }
            })
            .collect()
    }

    /// Completes the handshake choosing `protocol` (one of [`Ws::protocols`], or None). Once,
    /// before any other use; a protocol the client did not offer traps.
    pub fn accept(&self, protocol: Option<&str>) {
        if self.handle.get().is_some() {
            crate::rt::crash("ws.accept: the handshake is already done");
        }
        let (tag, ptr, len) = match protocol {
            Some(p) => (1, p.as_ptr(), p.len()),
            None => (0, std::ptr::null(), 0),
        };
        // SAFETY: (ptr, len) borrow `protocol` for the call.
        self.handle.set(Some(unsafe { host::websocket_accept(tag, ptr, len) }));
    }

    fn socket(&self) -> i32 {
        if self.handle.get().is_none() {
            self.accept(None);
        }
        self.handle.get().unwrap_or_default()
    }

    /// The subprotocol chosen, once accepted.
    pub fn protocol(&self) -> Option<String> {
        let handle = self.handle.get()?;
        let mut ret = RetArea::new();
        // SAFETY: the handle is live; the host writes an option<string>.
        unsafe { host::websocket_protocol(handle, ret.ptr()) };
        (ret.u8(0) != 0).then(|| ret.string(4))
    }

    /// The next message; None once the connection is over (see [`Ws::closed`]).
    pub fn recv(&self) -> Option<Message> {
        if self.closed.borrow().is_some() {
            return None;
        }
        let mut ret = RetArea::new();
        // SAFETY: the handle is live; the host writes an `incoming` into `ret`.
        unsafe { host::websocket_recv(self.socket(), ret.ptr()) };
        self.incoming(&ret)
    }

    /// Sends a text or binary message. False once the client is gone.
    pub fn send(&self, message: impl Into<Message>) -> bool {
        match message.into() {
            Message::Text(text) => self.send_text(&text),
            Message::Binary(data) => self.send_binary(&data),
        }
    }

    /// Sends a text message. False once the client is gone.
    pub fn send_text(&self, text: &str) -> bool {
        if self.closed.borrow().is_some() {
            return false;
        }
        // SAFETY: the handle is live; (ptr, len) borrow `text`.
        unsafe { host::websocket_send_text(self.socket(), text.as_ptr(), text.len()) != 0 }
    }

    /// Sends a binary message. False once the client is gone.
    pub fn send_binary(&self, data: &[u8]) -> bool {
        if self.closed.borrow().is_some() {
            return false;
        }
        // SAFETY: as in `send_text`.
        unsafe { host::websocket_send_binary(self.socket(), data.as_ptr(), data.len()) != 0 }
    }

    /// Closes with `code` (1000-1003, 1007-1014, 3000-4999) and a reason of at most 123 bytes;
    /// anything else traps. Later sends return false.
    pub fn close(&self, code: u16, reason: &str) {
        // SAFETY: the handle is live; (ptr, len) borrow `reason`.
        unsafe { host::websocket_close(self.socket(), i32::from(code), reason.as_ptr(), reason.len()) };
        self.closed.borrow_mut().get_or_insert(Close {
            code,
            reason: reason.to_string(),
        });
    }

    /// Live tail: forwards every message of the topics this process subscribed to
    /// ([`crate::broker::subscribe`]) to the client as text, pinging it each `heartbeat_ms` of
    /// quiet, and hands each message the client sends to `on_message`; returns once the
    /// connection is over.
    pub fn run(&self, heartbeat_ms: u32, mut on_message: impl FnMut(Message)) {
        while self.closed.borrow().is_none() {
            let mut ret = RetArea::new();
            // SAFETY: as in `recv`.
            unsafe { host::websocket_run(self.socket(), heartbeat_ms.max(1) as i32, ret.ptr()) };
            if let Some(message) = self.incoming(&ret) {
                on_message(message);
            }
        }
    }

    /// False once the connection is over.
    pub fn is_open(&self) -> bool {
        self.closed.borrow().is_none()
    }

    /// How the connection ended, once over.
    pub fn closed(&self) -> Option<Close> {
        self.closed.borrow().clone()
    }

    fn incoming(&self, ret: &RetArea) -> Option<Message> {
        match ret.u8(0) {
            0 => Some(Message::Text(ret.string(4))),
            // SAFETY: the host wrote a list<u8> (ptr, len) at 4.
            1 => Some(Message::Binary(unsafe { bytes_at(ret.i32(4), ret.i32(8)) }.to_vec())),
            _ => {
                let code = u16::from_le_bytes([ret.u8(4), ret.u8(5)]);
                *self.closed.borrow_mut() = Some(Close {
                    code,
                    reason: ret.string(8),
                });
                None
            }
        }
    }
}

impl Iterator for &Ws {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        self.recv()
    }
}

impl Drop for Ws {
    /// The action returned: an action that never used its socket still completes the handshake;
    /// rusm closes it with 1000 when the process ends.
    fn drop(&mut self) {
        let handle = self.socket();
        // SAFETY: the handle is not used after this.
        unsafe { host::websocket_drop(handle) };
    }
}
