//! The node's pub/sub broker (`rusm:pubsub/broker` and `mailbox`, docs/broker.md).
//!
//! A process subscribes to topics; matching messages go into its mailbox, read with
//! [`receive`] or, in an SSE action, [`crate::http::Sse::run`]. No unsubscribe is needed: the
//! process's end, for any reason, removes its subscriptions.
use crate::abi::rusm as host;
use crate::abi::RetArea;

/// A published message as a subscriber gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The topic it was published on (never a pattern).
    pub topic: String,
    pub data: String,
}

/// What [`receive`] gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    Message(Message),
    /// Nothing arrived in time.
    Timeout,
    /// The broker dropped this subscriber (it fell behind under `drop-subscriber`): stop.
    Closed,
}

/// Subscribes this process to a topic (`news.sport`) or pattern (`news.*`, `*` is one segment).
/// An invalid topic traps.
pub fn subscribe(topic: &str) {
    // SAFETY: (ptr, len) borrow `topic` for the call.
    unsafe { host::broker_subscribe(topic.as_ptr(), topic.len()) }
}

/// Ends one subscription.
pub fn unsubscribe(topic: &str) {
    // SAFETY: as in `subscribe`.
    unsafe { host::broker_unsubscribe(topic.as_ptr(), topic.len()) }
}

/// Publishes `data` on a topic (not a pattern); returns the subscribers reached on this node.
/// Never blocks. Bytes that are not UTF-8 are replaced (the WIT takes `string`).
pub fn publish(topic: &str, data: impl AsRef<[u8]>) -> u32 {
    let data = String::from_utf8_lossy(data.as_ref());
    // SAFETY: as in `subscribe`.
    unsafe { host::broker_publish(topic.as_ptr(), topic.len(), data.as_ptr(), data.len()) as u32 }
}

/// The next message in this process's mailbox, waiting up to `timeout_ms` (the process parks).
pub fn receive(timeout_ms: u32) -> Received {
    let mut ret = RetArea::new();
    // SAFETY: the host writes a `received` variant into `ret`.
    unsafe { host::mailbox_receive(timeout_ms.max(1) as i32, ret.ptr()) };
    match ret.u8(0) {
        0 => Received::Message(Message {
            topic: ret.string(4),
            data: ret.string(12),
        }),
        1 => Received::Timeout,
        _ => Received::Closed,
    }
}
