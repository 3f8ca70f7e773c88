//! What the gesture listeners share: the session (the mirror, the call's state), the sink their messages
//! go to (the link's sender; a recorder in tests), the batch of what waits for the next animation frame,
//! and the agent's local strokes. Messages go only on a connection that joined (none while waiting for
//! the visitor's consent).

use crate::call::batch::Batch;
use crate::chrome::strokes::Strokes;
use crate::connection::Shared;
use cobrowse_protocol::Control;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Where the gestures' messages go: `true` if the message went.
pub type Sink = Rc<dyn Fn(&Control) -> bool>;

/// The gesture listeners' shared state.
pub struct Gestures {
    pub shared: Shared,
    sink: Sink,
    pub batch: RefCell<Batch>,
    pub strokes: RefCell<Strokes>,
    /// An animation frame is requested to send the batch.
    frame_requested: Cell<bool>,
    /// How many call messages were sent, by kind (published as `window.cobrowseViewer.sent`).
    sent: RefCell<BTreeMap<&'static str, u32>>,
}

impl Gestures {
    pub fn new(shared: Shared, sink: Sink, strokes: Strokes) -> Rc<Self> {
        Rc::new(Self {
            shared,
            sink,
            batch: RefCell::new(Batch::default()),
            strokes: RefCell::new(strokes),
            frame_requested: Cell::new(false),
            sent: RefCell::new(Default::default()),
        })
    }

    /// Sends `message` now, if this connection joined; `true` if it went.
    pub fn send(&self, message: &Control) -> bool {
        let joined = self.shared.session.try_borrow().is_ok_and(|session| session.joined().is_some());
        if !joined || !(self.sink)(message) {
            return false;
        }
        *self.sent.borrow_mut().entry(message.name()).or_default() += 1;
        self.publish_sent();
        true
    }

    /// Sends the batch at the next animation frame (once, however many gestures come before it).
    pub fn send_batch_soon(self: &Rc<Self>) {
        if self.frame_requested.replace(true) {
            return;
        }
        let gestures: Weak<Self> = Rc::downgrade(self);
        let flush = Closure::once_into_js(move || {
            if let Some(gestures) = gestures.upgrade() {
                gestures.frame_requested.set(false);
                gestures.send_batch();
            }
        });
        let requested = web_sys::window().map(|window| window.request_animation_frame(flush.unchecked_ref()));
        if !matches!(requested, Some(Ok(_))) {
            self.frame_requested.set(false);
            self.send_batch();
        }
    }

    /// Sends what the batch holds now.
    pub fn send_batch(&self) {
        let messages = self.batch.borrow_mut().take();
        for message in &messages {
            self.send(message);
        }
    }

    /// Writes the counts of sent messages onto `window.cobrowseViewer.sent` (`{ Pointer: 3, Draw: 1, … }`).
    fn publish_sent(&self) {
        let Some(global) = crate::dom::global_object() else { return };
        let sent = js_sys::Object::new();
        for (name, count) in self.sent.borrow().iter() {
            let _ = js_sys::Reflect::set(&sent, &(*name).into(), &(*count).into());
        }
        let _ = js_sys::Reflect::set(&global, &"sent".into(), &sent);
    }
}
