//! rs-ws: WebSocket actions with the Rust SDK (`rusm_rs::ws::Ws`), the same routes as the
//! TypeScript ts-ws (test/websocket-lifecycle.test.ts runs both); see README.md.
use rusm_rs::broker;
use rusm_rs::http::{Params, Request};
use rusm_rs::ws::{Message, Ws};

/// Publishes `text` on topic `chat.report` (a `ws#chat` member of room `report` receives it):
/// how the tests hear what the guest saw (wasm32-unknown-unknown has no stdout).
fn report(text: &str) {
    broker::publish("chat.report", text);
}

fn query<T: std::str::FromStr>(req: &Request, name: &str, fallback: T) -> T {
    req.query(name).and_then(|v| v.parse().ok()).unwrap_or(fallback)
}

#[rusm_rs::handlers]
pub mod ws {
    use super::*;

    /// Every message back as it came (text as text, binary as binary).
    pub fn echo(_req: Request, _p: Params, ws: Ws) {
        for message in &ws {
            if !ws.send(message) {
                return;
            }
        }
    }

    /// The same with an explicit recv loop.
    #[allow(non_snake_case)]
    pub fn echoAsync(_req: Request, _p: Params, ws: Ws) {
        while let Some(message) = ws.recv() {
            if !ws.send(message) {
                return;
            }
        }
    }

    /// `?n=N` messages `msg K`, then returns: close 1000, exit normal.
    pub fn count(req: Request, _p: Params, ws: Ws) {
        for i in 0..query(&req, "n", 3u32) {
            ws.send(format!("msg {i}"));
        }
    }

    /// `?size=B`-byte messages (binary with `?binary=1`) until a send returns false.
    pub fn flood(req: Request, _p: Params, ws: Ws) {
        let size = query(&req, "size", 16_384usize);
        let message = if query(&req, "binary", 0u8) == 1 {
            Message::Binary(vec![0; size])
        } else {
            Message::Text("x".repeat(size))
        };
        let mut n = 0;
        while ws.send(message.clone()) {
            n += 1;
        }
        report(&format!("flood: send returned false after {n} messages"));
    }

    /// Parks in recv; logs what woke it and what a send then gave.
    pub fn wait(_req: Request, _p: Params, ws: Ws) {
        ws.send("waiting");
        let message = ws.recv();
        let sent = ws.send("after");
        let woke = match (&message, ws.closed()) {
            (None, Some(close)) => format!("closed {}", close.code),
            _ => "a message".to_string(),
        };
        report(&format!("wait: recv gave {woke}, send gave {sent}"));
    }

    /// Echoes until `boom` (panics: 1011, trap), `oom` (allocates: 1011, oom) or `spin`.
    pub fn faults(_req: Request, _p: Params, ws: Ws) {
        for message in &ws {
            match &message {
                Message::Text(t) if t == "boom" => panic!("boom in ws#faults"),
                Message::Text(t) if t == "oom" => {
                    let mut hog: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hog.push(vec![1; 1 << 20]);
                    }
                }
                Message::Text(t) if t == "spin" => {
                    #[allow(clippy::empty_loop)]
                    loop {}
                }
                _ => {
                    ws.send(message);
                }
            }
        }
    }

    /// Chooses the last subprotocol the client offered; sends `protocol <p> of <offered>`.
    pub fn proto(_req: Request, _p: Params, ws: Ws) {
        let offered = ws.protocols();
        ws.accept(offered.last().map(String::as_str));
        let chosen = ws.protocol().unwrap_or_else(|| "(none)".into());
        ws.send(format!("protocol {chosen} of {}", offered.join(",")));
        ws.recv();
    }

    /// Closes with a code of its own (`?code=`, default 4000), then returns.
    pub fn bye(req: Request, _p: Params, ws: Ws) {
        ws.close(query(&req, "code", 4000u16), "bye");
    }

    /// `GET /ws/chat/:room`: a chat room over the broker; rooms isolated.
    pub fn chat(req: Request, p: Params, ws: Ws) {
        let room = format!("chat.{}", p.get("room").unwrap_or("lobby"));
        broker::subscribe(&room);
        ws.send(format!("joined {room}"));
        ws.run(query(&req, "hb", 15_000u32), |message| {
            let data = match message {
                Message::Text(t) => t,
                Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            };
            broker::publish(&room, &data);
        });
    }
}
