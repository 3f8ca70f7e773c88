//! Listeners: the DOM events of what the visitor does that no MutationObserver sees — typing, clicking
//! form controls, scrolling, resizing the window, moving the pointer, clicking, focusing, selecting text,
//! playing media.
//!
//! [`Listeners`] owns the event listeners (on the document and the window, in the capture phase so that
//! element scrolls, which do not bubble, are seen too) and removes them when dropped. Each DOM event
//! becomes an [`Input`] for the session, which turns it into protocol events: form changes with `forms.rs`
//! and media changes with `extras.rs`, sent at once; the rest is `motion.rs`, sent at the next animation
//! tick.

use cobrowse_protocol::Point;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, EventTarget, MouseEvent, Window};

/// A DOM event the session cares about.
pub enum Input {
    /// `input` or `change` on this target.
    Form(EventTarget),
    /// `scroll` on this target (the document for the window).
    Scroll(EventTarget),
    /// The window was resized.
    Resize,
    /// The pointer moved to this viewport position.
    Pointer(Point),
    /// The visitor clicked at this viewport position.
    Click(Point),
    /// The pointer entered this element.
    Hover(EventTarget),
    /// Focus moved.
    Focus,
    /// The text selection changed.
    Selection,
    /// A media element played, paused, seeked or changed volume or rate.
    Media(EventTarget),
}

/// The events listened to on each document, in the capture phase.
const DOCUMENT_EVENTS: [&str; 14] = [
    "input",
    "change",
    "scroll",
    "pointermove",
    "click",
    "pointerover",
    "focusin",
    "focusout",
    "selectionchange",
    "play",
    "pause",
    "seeked",
    "volumechange",
    "ratechange",
];

/// The registered listeners; dropping this removes them. One handler serves every event: it tells them
/// apart by type (one closure costs less download than one per event).
pub struct Listeners {
    handler: Closure<dyn FnMut(web_sys::Event)>,
    registered: Vec<(EventTarget, &'static str)>,
}

impl Listeners {
    /// Listens for every [`Input`] on `document` and `window`, passing each to `on_input`.
    pub fn listen(window: &Window, document: &Document, on_input: Rc<dyn Fn(Input)>) -> Result<Self, JsValue> {
        let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(input) = input_of(&event) {
                on_input(input);
            }
        });
        let mut listeners = Self { handler, registered: Vec::new() };
        for kind in DOCUMENT_EVENTS {
            listeners.add(document, kind)?;
        }
        listeners.add(window, "resize")?;
        Ok(listeners)
    }

    fn add(&mut self, target: &EventTarget, kind: &'static str) -> Result<(), JsValue> {
        target.add_event_listener_with_callback_and_bool(kind, self.handler.as_ref().unchecked_ref(), true)?;
        self.registered.push((target.clone(), kind));
        Ok(())
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (target, kind) in &self.registered {
            let _ =
                target.remove_event_listener_with_callback_and_bool(kind, self.handler.as_ref().unchecked_ref(), true);
        }
    }
}

/// What a DOM event means for the session.
fn input_of(event: &web_sys::Event) -> Option<Input> {
    Some(match crate::dom::type_of(event).as_str() {
        "input" | "change" => Input::Form(target(event)),
        "scroll" => Input::Scroll(target(event)),
        "resize" => Input::Resize,
        "pointermove" => Input::Pointer(client_point(event)),
        "click" => Input::Click(client_point(event)),
        "pointerover" => Input::Hover(target(event)),
        "focusin" | "focusout" => Input::Focus,
        "selectionchange" => Input::Selection,
        "play" | "pause" | "seeked" | "volumechange" | "ratechange" => Input::Media(target(event)),
        _ => return None,
    })
}

fn client_point(event: &web_sys::Event) -> Point {
    let event = event.unchecked_ref::<MouseEvent>();
    Point { x: event.client_x(), y: event.client_y() }
}

/// Where the event happened: the first node of its composed path, so that typing in an open shadow root
/// names the field, not the host the event is retargeted to outside the root.
fn target(event: &web_sys::Event) -> EventTarget {
    let first = event.composed_path().get(0);
    match first.is_object() {
        true => first.unchecked_into(),
        false => crate::dom::target_of(event).unwrap_or_else(|| JsValue::NULL.unchecked_into()),
    }
}
