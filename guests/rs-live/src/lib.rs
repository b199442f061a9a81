//! rs-live: the live fan-out pattern in Rust, `broker::subscribe` then
//! `sse.run(heartbeat_ms, map)`, and a publisher; see README.md.
use rusm_rs::broker;
use rusm_rs::http::{Event, Params, Request, Response, Sse};

fn heartbeat(req: &Request) -> u32 {
    req.query("hb")
        .and_then(|h| h.parse().ok())
        .unwrap_or(15_000)
}

#[rusm_rs::handlers]
pub mod live {
    use super::*;

    /// Every message's data as it is, heartbeats while idle.
    pub fn news(req: Request, _p: Params, sse: Sse) {
        broker::subscribe("news");
        sse.run(heartbeat(&req), |msg| msg);
    }

    /// `GET /live/:topic`: each message as `event: <topic>`. Data `skip` is not sent (map
    /// returns None); `boom` panics inside map (a crash: exit `trap`, the broker prunes it).
    pub fn tail(req: Request, p: Params, sse: Sse) {
        broker::subscribe(p.get("topic").unwrap_or("news"));
        sse.run(heartbeat(&req), |msg| {
            if msg.data == "boom" {
                panic!("boom on {}", msg.topic);
            }
            (msg.data != "skip").then(|| Event::data(msg.data).named(msg.topic))
        });
    }

    /// `POST /publish/:topic`: publishes the body; answers `{"delivered":N}`.
    pub fn publish(req: Request, p: Params) -> Response {
        let topic = p.get("topic").unwrap_or("news").to_string();
        let delivered = broker::publish(&topic, req.body());
        Response::json(format!(r#"{{"delivered":{delivered}}}"#))
    }
}
