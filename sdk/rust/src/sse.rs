//! The open text/event-stream of an SSE action (`rusm:guest/sse` `event-stream`).
use std::borrow::Cow;
use std::cell::Cell;

use crate::abi::rusm as host;
use crate::abi::RetArea;
use crate::broker::Message;

/// The event stream of an SSE action. Its head (`200`, `text/event-stream`) is sent by the
/// first event, or earlier with the status and headers of [`Sse::head`]. Every write parks the process while the client is behind (nothing spins) and returns
/// false once the client is gone: stop then, and return. Returning from the action (dropping
/// the `Sse`) ends the body cleanly; a panic ends it truncated (the process traps).
pub struct Sse {
    /// The event-stream handle, once the head is sent.
    stream: Cell<Option<i32>>,
    open: Cell<bool>,
}

/// One event with every field of the format, for [`Sse::send`] and [`Sse::run`]'s map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `event:`; None for the default `message`. No line breaks.
    pub name: Option<String>,
    /// `data:`; each line becomes a `data:` line.
    pub data: String,
    /// `id:`, what a reconnecting client sends back as `Last-Event-ID`. No line breaks.
    pub id: Option<String>,
    /// `retry:`, in milliseconds.
    pub retry: Option<u32>,
}

impl Event {
    /// A `data:` event.
    pub fn data(data: impl Into<String>) -> Event {
        Event {
            data: data.into(),
            ..Event::default()
        }
    }
    /// With `event: <name>`.
    pub fn named(mut self, name: impl Into<String>) -> Event {
        self.name = Some(name.into());
        self
    }
    /// With `id: <id>`.
    pub fn id(mut self, id: impl Into<String>) -> Event {
        self.id = Some(id.into());
        self
    }
    /// With `retry: <ms>`.
    pub fn retry(mut self, ms: u32) -> Event {
        self.retry = Some(ms);
        self
    }
}

/// What [`Sse::run`]'s map may return: an event, its data as text, or `None` to skip.
pub trait IntoEvent {
    fn into_event(self) -> Option<Event>;
}

impl IntoEvent for Event {
    fn into_event(self) -> Option<Event> {
        Some(self)
    }
}
impl IntoEvent for String {
    fn into_event(self) -> Option<Event> {
        Some(Event::data(self))
    }
}
impl IntoEvent for &str {
    fn into_event(self) -> Option<Event> {
        Some(Event::data(self))
    }
}
/// The message's data, as it is.
impl IntoEvent for Message {
    fn into_event(self) -> Option<Event> {
        Some(Event::data(self.data))
    }
}
impl<T: IntoEvent> IntoEvent for Option<T> {
    fn into_event(self) -> Option<Event> {
        self.and_then(IntoEvent::into_event)
    }
}

/// The WIT takes `string`: bytes that are not UTF-8 are replaced (U+FFFD).
fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn option_str(value: &Option<String>) -> (i32, *const u8, usize) {
    match value {
        Some(s) => (1, s.as_ptr(), s.len()),
        None => (0, std::ptr::null(), 0),
    }
}

impl Sse {
    /// The stream of an SSE action, its head not sent yet.
    pub(crate) fn new() -> Sse {
        Sse {
            stream: Cell::new(None),
            open: Cell::new(true),
        }
    }

    /// The event-stream handle: the default head (`sse.open`) is sent on first use.
    fn handle(&self) -> i32 {
        if let Some(stream) = self.stream.get() {
            return stream;
        }
        // SAFETY: no arguments; traps if the process already responded, which the runtime
        // never does before an SSE action.
        let stream = unsafe { host::sse_open() };
        self.stream.set(Some(stream));
        stream
    }

    /// Sends the response head now with `status` (200 to 599; anything but 2xx is a refusal a
    /// browser does not retry) and `headers` besides `content-type: text/event-stream` (CORS,
    /// caching; `cache-control` replaces rusm's `no-cache`; not `content-type`,
    /// `content-length` or wasi:http's forbidden headers: the process traps). Only before the
    /// first event.
    ///
    /// # Panics
    /// When the head was sent already (by an earlier event).
    pub fn head(&self, status: u16, headers: &[(&str, &str)]) {
        assert!(self.stream.get().is_none(), "Sse::head: the head was sent already");
        let pairs: Vec<[usize; 4]> = headers
            .iter()
            .map(|(k, v)| [k.as_ptr() as usize, k.len(), v.as_ptr() as usize, v.len()])
            .collect();
        // SAFETY: `pairs` is the canonical ABI's list<tuple<string, string>> (per pair: name
        // ptr, len, value ptr, len), borrowing `headers` for the call.
        let stream =
            unsafe { host::sse_open_with(i32::from(status), pairs.as_ptr().cast(), pairs.len()) };
        self.stream.set(Some(stream));
    }

    fn track(&self, accepted: i32) -> bool {
        let accepted = accepted != 0;
        if !accepted {
            self.open.set(false);
        }
        accepted
    }

    /// `data: <data>` then a blank line. False once the client is gone.
    pub fn data(&self, data: impl AsRef<[u8]>) -> bool {
        let data = text(data.as_ref());
        // SAFETY: the stream handle is live until drop; (ptr, len) borrow `data`.
        self.track(unsafe { host::event_stream_data(self.handle(), data.as_ptr(), data.len()) })
    }

    /// `event: <name>`, `data: <data>`, a blank line. False once the client is gone.
    /// A name with a line break traps.
    pub fn event(&self, name: &str, data: impl AsRef<[u8]>) -> bool {
        let data = text(data.as_ref());
        // SAFETY: as in `data`.
        self.track(unsafe {
            host::event_stream_event(
                self.handle(),
                name.as_ptr(),
                name.len(),
                data.as_ptr(),
                data.len(),
            )
        })
    }

    /// Every field of `event`. False once the client is gone.
    pub fn send(&self, event: &Event) -> bool {
        let (has_name, name, name_len) = option_str(&event.name);
        let (has_id, id, id_len) = option_str(&event.id);
        let (has_retry, retry) = match event.retry {
            Some(ms) => (1, ms as i32),
            None => (0, 0),
        };
        // SAFETY: as in `data`; every pointer borrows `event`.
        self.track(unsafe {
            host::event_stream_send(
                self.handle(),
                has_name,
                name,
                name_len,
                event.data.as_ptr(),
                event.data.len(),
                has_id,
                id,
                id_len,
                has_retry,
                retry,
            )
        })
    }

    /// `: <text>`, a comment clients ignore (heartbeats, padding). False once the client is gone.
    pub fn comment(&self, text: &str) -> bool {
        // SAFETY: as in `data`.
        self.track(unsafe { host::event_stream_comment(self.handle(), text.as_ptr(), text.len()) })
    }

    /// The live-tail step: waits for the next message of this process's mailbox (the topics it
    /// subscribed to with [`crate::broker::subscribe`]), writing a `:` heartbeat each time
    /// `heartbeat_ms` passes with nothing. None when the stream is over (the client left, a
    /// write failed, the broker dropped this subscriber).
    pub fn next(&self, heartbeat_ms: u32) -> Option<Message> {
        if !self.open.get() {
            return None;
        }
        let mut ret = RetArea::new();
        // SAFETY: as in `data`; the host writes an option<message> into `ret`.
        unsafe { host::event_stream_next(self.handle(), heartbeat_ms.max(1) as i32, ret.ptr()) };
        if ret.u8(0) == 0 {
            self.open.set(false);
            return None;
        }
        Some(Message {
            topic: ret.string(4),
            data: ret.string(12),
        })
    }

    /// Live tail: forwards the messages of the topics this process subscribed to until the
    /// stream is over, writing `map(message)` as an event (a `String`/`&str` is the data, an
    /// [`Event`] is sent with its fields, `None` skips the message; `|m| m` sends the data as it
    /// is) and a `:` heartbeat whenever `heartbeat_ms` passes with nothing. Returns when the
    /// client is gone, a write failed, or the broker dropped this subscriber.
    pub fn run<T: IntoEvent>(&self, heartbeat_ms: u32, mut map: impl FnMut(Message) -> T) {
        while let Some(message) = self.next(heartbeat_ms) {
            if let Some(event) = map(message).into_event() {
                if !self.send(&event) {
                    return;
                }
            }
        }
    }

    /// [`Sse::run`] with each message's data as it is, the whole loop in the host (one call).
    pub fn forward(&self, heartbeat_ms: u32) {
        if self.open.get() {
            // SAFETY: as in `data`.
            unsafe { host::event_stream_run(self.handle(), heartbeat_ms.max(1) as i32) };
            self.open.set(false);
        }
    }

    /// False once a write returned false or the stream was finished.
    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Ends the stream cleanly now (returning from the action does it too). Later writes
    /// return false.
    pub fn finish(&self) {
        self.open.set(false);
        // SAFETY: idempotent in the host.
        unsafe { host::event_stream_finish(self.handle()) };
    }
}

impl Drop for Sse {
    /// The action returned: a clean end of the body.
    fn drop(&mut self) {
        self.finish();
        // SAFETY: the handle is not used after this.
        unsafe { host::event_stream_drop(self.handle()) };
    }
}
