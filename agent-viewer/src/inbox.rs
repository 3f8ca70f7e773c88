//! A connection's frames, applied in the order they came, with the browser let in to render after a long one.
//!
//! A late agent joins a page the relay already holds: a large page's snapshot comes in many parts, all
//! sent at once, and each takes the viewer tens of milliseconds to build. Applied as they arrive, one task
//! after another, they kept the browser from rendering until the last: the agent saw nothing, then the
//! whole page. So after a frame that took [`LONG_FRAME_MS`] or more, the frames behind it wait until the
//! browser has rendered (an animation frame, then a task after it): the mirror shows the page's first
//! part while the rest is built, and the agent can scroll and point meanwhile. Each rendering of a large
//! page costs a layout of all of it so far, so the frames wait so at most once every [`RENDER_EVERY_MS`]
//! (letting the browser render after every part doubled the time to the whole 100,000-element page). A
//! short frame (a delta, a pointer) is applied at once, as it arrives. A hidden tab gets no animation
//! frames, so a wait also ends after [`LONGEST_WAIT_MS`].
//!
//! Frames that are waiting when the socket closes are applied before the close is acted on
//! ([`Inbox::apply_waiting`]); once the connection is gone ([`Inbox::detach`]) none is applied.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A frame that took this long to apply (half an animation frame) lets the browser render before the next.
const LONG_FRAME_MS: f64 = 8.0;
/// The longest the frames wait for a rendering (a hidden tab renders none).
const LONGEST_WAIT_MS: i32 = 100;
/// The frames wait for a rendering at most once in this long (from the end of the last wait).
pub const RENDER_EVERY_MS: f64 = 500.0;

/// The frames of one connection, and what applies one.
pub struct Inbox {
    waiting: RefCell<VecDeque<Vec<u8>>>,
    /// The frames wait for a rendering: the number of that wait (a later wait ends only itself).
    held: Cell<Option<u32>>,
    waits: Cell<u32>,
    /// When the last wait ended (`Date.now()`), if one did.
    last_wait_ended: Cell<f64>,
    detached: Cell<bool>,
    apply: ApplyFrame,
}

/// What applies one frame.
type ApplyFrame = Box<dyn Fn(&[u8])>;

impl Inbox {
    /// An inbox whose frames `apply` applies, one at a time.
    pub fn new(apply: impl Fn(&[u8]) + 'static) -> Rc<Self> {
        Rc::new(Self {
            waiting: RefCell::default(),
            held: Cell::new(None),
            waits: Cell::new(0),
            last_wait_ended: Cell::new(f64::NEG_INFINITY),
            detached: Cell::new(false),
            apply: Box::new(apply),
        })
    }

    /// A frame arrived: applied now, unless frames wait for a rendering (then it waits behind them).
    pub fn receive(self: &Rc<Self>, frame: Vec<u8>) {
        self.waiting.borrow_mut().push_back(frame);
        if self.held.get().is_none() {
            self.apply_in_turn();
        }
    }

    /// Applies every waiting frame now, whatever their length (the socket closed: they come before it).
    pub fn apply_waiting(&self) {
        self.held.set(None);
        while let Some(frame) = self.next() {
            (self.apply)(&frame);
        }
    }

    /// The connection is gone: no frame is applied any more.
    pub fn detach(&self) {
        self.detached.set(true);
        self.waiting.borrow_mut().clear();
    }

    fn next(&self) -> Option<Vec<u8>> {
        if self.detached.get() {
            return None;
        }
        self.waiting.borrow_mut().pop_front()
    }

    /// Applies the waiting frames in turn until one takes long; those behind it wait for a rendering
    /// (unless the last wait ended less than [`RENDER_EVERY_MS`] ago).
    fn apply_in_turn(self: &Rc<Self>) {
        while let Some(frame) = self.next() {
            let started = js_sys::Date::now();
            (self.apply)(&frame);
            let ended = js_sys::Date::now();
            if ended - started >= LONG_FRAME_MS && ended - self.last_wait_ended.get() >= RENDER_EVERY_MS {
                self.wait_for_rendering();
                return;
            }
        }
    }

    /// Holds the frames until the browser has rendered: the end of its next animation frame (a task
    /// queued from the frame's callback runs after the frame is painted), or [`LONGEST_WAIT_MS`].
    fn wait_for_rendering(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return self.apply_in_turn();
        };
        let wait = self.waits.get().wrapping_add(1);
        self.waits.set(wait);
        self.held.set(Some(wait));
        let inbox = self.clone();
        let after_rendering = Closure::once_into_js(move || inbox.end_wait(wait));
        let inbox = self.clone();
        let after_frame = Closure::once_into_js(move || {
            if let Some(window) = web_sys::window() {
                let end = Closure::once_into_js(move || inbox.end_wait(wait));
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(end.unchecked_ref(), 0);
            }
        });
        let _ = window.request_animation_frame(after_frame.unchecked_ref());
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(after_rendering.unchecked_ref(), LONGEST_WAIT_MS);
    }

    /// Ends wait number `wait`, if the frames are still held by it, and applies them.
    fn end_wait(self: &Rc<Self>, wait: u32) {
        if self.held.get() == Some(wait) {
            self.held.set(None);
            self.last_wait_ended.set(js_sys::Date::now());
            self.apply_in_turn();
        }
    }
}
