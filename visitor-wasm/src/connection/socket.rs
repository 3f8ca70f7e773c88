//! The socket: the visitor's WebSocket connection to the relay.
//!
//! One binary wire frame per WebSocket message, both ways. Page content goes out through the connection's one
//! [`Encoder`] (a snapshot resets its deflate context, deltas continue it); a snapshot's payload is
//! deflated by the browser (`browser_deflate.rs`, asynchronously; our encoder where the browser cannot), and
//! the page frames encoded meanwhile wait for it in the [`Outbox`]; the visitor's few control
//! messages go out as [`FromVisitor`] (encoded by hand, a fraction of `Control`'s serializer) and the ones
//! it receives come in through [`message::decode_to_visitor`]. The support call's messages (see
//! [`message::is_call_message`]) are not decoded here: their frame goes to `on_call` as it came (an
//! `ArrayBuffer`: no copy, no code to make one), for the shim's call module to decode, and the shim's answers go out through [`Connection::send_call`]. A resumed
//! session's first message
//! (`Resume`) waits for the socket to open. The connection knows nothing of the DOM: the session decides
//! what to send and what a control message or a close means.

use crate::connection::browser_deflate;
use crate::connection::outbox::Outbox;
use cobrowse_protocol::frame::FrameKind;
use cobrowse_protocol::message::{self, FromVisitor};
use cobrowse_protocol::{close, Delta, Encoder, Event, Snapshot, ToVisitor};
use js_sys::{ArrayBuffer, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// Past this many bytes waiting in the socket, asset uploads wait (the shim tries again later).
const ASSET_BACKLOG_BYTES: u32 = 256 << 10;

/// A sliced snapshot's slices go out this many to a part frame: each frame is a deflate stream of its own,
/// which starts with nothing to refer back to, so a frame per slice (a few dozen KB) compressed the
/// documentation page 4:1 where the whole snapshot in one stream compresses 14:1.
const SLICES_PER_PART: u32 = 4;

/// An open (or opening) WebSocket to the relay. Dropping it detaches its handlers and, if it is still open,
/// closes it with 1001 (going away): the relay takes that for the visitor navigating, and keeps the session
/// for the next page to resume. (Every other way a session ends closes the socket before dropping it.)
pub struct Connection {
    socket: WebSocket,
    encoder: Encoder,
    /// The events of the snapshot's slices not sent yet, and how many slices came so far (see
    /// [`Connection::send_snapshot_part`]).
    held_part: Vec<Event>,
    held_slices: u32,
    /// Page frames waiting for a snapshot the browser is compressing; shared with that task.
    outbox: Rc<RefCell<Outbox>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    /// Sends the first message (`Resume`) once the socket opens; `None` for a new session.
    _on_open: Option<Closure<dyn FnMut()>>,
}

impl Connection {
    /// Opens `url`, or takes over `opened` (the shim's socket to it) while it is still connecting or open;
    /// `first` is sent as soon as it is open (a `Resume`), `on_control` gets each control
    /// message, `on_call` each support-call message's frame (an `ArrayBuffer`: the header, then the payload), `on_close` the close code and reason.
    pub fn open(
        url: &str,
        opened: Option<WebSocket>,
        first: Option<Vec<u8>>,
        mut on_control: impl FnMut(ToVisitor) + 'static,
        mut on_call: impl FnMut(JsValue) + 'static,
        mut on_close: impl FnMut(u16, String) + 'static,
    ) -> Result<Self, JsValue> {
        let socket = match opened.filter(|socket| socket.ready_state() <= WebSocket::OPEN) {
            Some(socket) => socket,
            None => WebSocket::new(url)?,
        };
        socket.set_binary_type(BinaryType::Arraybuffer);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let bytes = data.dyn_ref::<ArrayBuffer>().map(|data| Uint8Array::new(data).to_vec()).unwrap_or_default();
            match message::decode_to_visitor(&bytes) {
                Some(control) => on_control(control),
                None => on_call(data),
            }
        });
        let on_close =
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| on_close(event.code(), event.reason()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let first = match first {
            // The shim's socket may be open already: the first message goes at once.
            Some(frame) if socket.ready_state() == WebSocket::OPEN => {
                send_on(&socket, &frame);
                None
            }
            first => first,
        };
        let on_open = first.map(|frame| {
            let opened = socket.clone();
            let on_open = Closure::<dyn FnMut()>::new(move || {
                let _ = opened.send_with_u8_array(&frame);
            });
            socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            on_open
        });
        Ok(Self {
            socket,
            encoder: Encoder::new(),
            held_part: Vec::new(),
            held_slices: 0,
            outbox: Rc::default(),
            _on_message: on_message,
            _on_close: on_close,
            _on_open: on_open,
        })
    }

    /// Sends a full snapshot, starting a fresh compression context (see [`Connection::send_fresh`]).
    pub fn send_snapshot(&mut self, snapshot: &Snapshot) {
        self.send_held_part(); // an earlier snapshot's last slices, in order: this one starts afresh after them
        let payload = message::snapshot_payload(snapshot);
        self.send_fresh(FrameKind::Snapshot, payload);
    }

    /// Sends a batch of changes; an empty one is not sent.
    pub fn send_delta(&mut self, delta: &Delta) {
        if !delta.events.is_empty() {
            self.send_held_part(); // a change may touch the elements they bring: they go first
            let frame = self.encoder.delta(delta);
            self.send_page(frame);
        }
    }

    /// Sends a later slice of a sliced snapshot (see `session.rs`): [`SLICES_PER_PART`] slices at a time
    /// (`last`: the snapshot's last slice, sent with those held), or sooner when a delta must follow them,
    /// in a part frame compressed as a snapshot is (most of a large page's snapshot travels in its parts).
    pub fn send_snapshot_part(&mut self, delta: Delta, last: bool) {
        self.held_part.extend(delta.events);
        self.held_slices = self.held_slices.wrapping_add(1);
        if last || self.held_slices.is_multiple_of(SLICES_PER_PART) {
            self.send_held_part();
        }
    }

    fn send_held_part(&mut self) {
        if !self.held_part.is_empty() {
            let delta = Delta { events: std::mem::take(&mut self.held_part) };
            let payload = message::snapshot_part_payload(&delta);
            self.send_fresh(FrameKind::SnapshotPart, payload);
        }
    }

    /// Sends a snapshot's or a part's `payload` (`kind`) as a deflate stream of its own: deflated by the
    /// browser, so it leaves a moment later, and the page frames encoded meanwhile follow it in order; a
    /// small one (or where the browser cannot) by the deltas' own encoder, at once. Either way the deltas'
    /// context is primed with it before this returns.
    fn send_fresh(&mut self, kind: FrameKind, payload: Vec<u8>) {
        let Some(deflating) = browser_deflate::deflate(&payload) else {
            let frame = self.encoder.deflate_fresh(kind, &payload);
            return self.send_page(frame);
        };
        self.encoder.prime(&payload);
        let place = self.outbox.borrow_mut().reserve();
        let (outbox, socket) = (self.outbox.clone(), self.socket.clone());
        deflating.finish(move |deflated| {
            let frame = match deflated {
                Some(deflated) => message::fresh_frame(kind, &deflated),
                None => message::deflate_alone_as(kind, &payload),
            };
            let ready = outbox.borrow_mut().fill(place, frame);
            ready.iter().for_each(|frame| send_on(&socket, frame));
        });
    }

    /// Sends a page frame now, or after the snapshot being compressed before it.
    fn send_page(&self, frame: Vec<u8>) {
        let ready = self.outbox.borrow_mut().push(frame);
        ready.iter().for_each(|frame| self.send(frame));
    }

    /// Sends an asset upload (its own frame, outside the deflate context), unless the socket still holds
    /// more than [`ASSET_BACKLOG_BYTES`] unsent or a snapshot is being compressed: page frames must not
    /// wait behind a pile of images. Returns whether it was sent.
    pub fn send_asset(&self, upload: &cobrowse_protocol::AssetUpload) -> bool {
        let free = self.socket.ready_state() == WebSocket::OPEN
            && self.socket.buffered_amount() <= ASSET_BACKLOG_BYTES
            && !self.outbox.borrow().is_waiting();
        if free {
            self.send(&message::encode_asset(upload));
        }
        free
    }

    /// Sends a support-call message the shim encoded (`payload`), if it is one a visitor may send (and the
    /// socket is open); whether it was one.
    pub fn send_call(&self, payload: &[u8]) -> bool {
        let frame = message::encode_visitor_call(payload);
        frame.as_ref().map(|frame| self.send(frame)).is_some()
    }

    /// Tells the relay the visitor ended the session, and closes normally.
    pub fn end(&self) {
        self.send(&FromVisitor::EndSession.encode());
        let _ = self.socket.close_with_code(close::NORMAL);
    }

    fn send(&self, frame: &[u8]) {
        send_on(&self.socket, frame);
    }
}

/// Sends `frame` if `socket` is open; a closed socket drops it (the session is ending or moving on).
fn send_on(socket: &WebSocket, frame: &[u8]) {
    if socket.ready_state() == WebSocket::OPEN {
        let _ = socket.send_with_u8_array(frame);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onopen(None);
        if self.socket.ready_state() <= WebSocket::OPEN {
            let _ = self.socket.close_with_code(close::GOING_AWAY);
        }
    }
}

/// What a close means to the visitor, in words: why a session could not start, or why it ended. (The
/// code itself travels beside the words, in `ended` and in `start()`'s error.) No `format!`: its
/// machinery costs download size.
pub fn close_message(code: u16, reason: &str, started: bool) -> String {
    let detail = if reason.is_empty() { None } else { Some(reason) };
    match (code, detail) {
        (close::SITE_NOT_ALLOWED, detail) => {
            let detail = detail.unwrap_or("unknown site or origin");
            ["This site is not allowed to start a cobrowse session: ", detail].concat()
        }
        (close::NORMAL, None) if started => "The session ended.".to_string(),
        (1006, None) if !started => {
            "The cobrowse service is unreachable. Check your connection and try again.".to_string()
        }
        (1006, None) => "The connection to the cobrowse service was lost.".to_string(),
        (_, Some(detail)) => detail.to_string(),
        (_, None) => "The cobrowse service closed the connection.".to_string(),
    }
}
