//! Inputs: what the visitor does that no MutationObserver sees — typing, clicking form controls,
//! scrolling, resizing the window, moving the pointer.
//!
//! [`Listeners`] owns the event listeners (on the document and the window, in the capture phase so that
//! element scrolls, which do not bubble, are seen too) and removes them when dropped. Each DOM event
//! becomes an [`Input`] for the session, which turns it into protocol events with the functions here:
//! - form changes ([`form_events`]) are sent at once, masked like everything else;
//! - scroll, resize and pointer moves are [`Motion`]: only the latest value matters, so they are kept and
//!   sent at most once per animation frame.

use crate::ids::Ids;
use crate::mask::{self, Masking};
use crate::snapshot::{self, form_state};
use cobrowse_protocol::{Event, NodeId, Point, Size};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, EventTarget, MouseEvent, Node, Window};

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
}

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// The registered listeners; dropping this removes them.
pub struct Listeners {
    registered: Vec<(EventTarget, &'static str, Handler)>,
}

impl Listeners {
    /// Listens for every [`Input`] on `document` and `window`, passing each to `on_input`.
    pub fn listen(window: &Window, document: &Document, on_input: Rc<dyn Fn(Input)>) -> Result<Self, JsValue> {
        let mut listeners = Self { registered: Vec::new() };
        for kind in ["input", "change"] {
            let on_input = on_input.clone();
            listeners.add(document, kind, move |event| on_input(Input::Form(target(&event))))?;
        }
        let on_scroll = on_input.clone();
        listeners.add(document, "scroll", move |event| on_scroll(Input::Scroll(target(&event))))?;
        let on_resize = on_input.clone();
        listeners.add(window, "resize", move |_| on_resize(Input::Resize))?;
        listeners.add(document, "pointermove", move |event| {
            let event = event.unchecked_ref::<MouseEvent>();
            on_input(Input::Pointer(Point { x: event.client_x(), y: event.client_y() }));
        })?;
        Ok(listeners)
    }

    fn add(&mut self, target: &EventTarget, kind: &'static str, handler: impl FnMut(web_sys::Event) + 'static) -> Result<(), JsValue> {
        let handler: Handler = Closure::new(handler);
        target.add_event_listener_with_callback_and_bool(kind, handler.as_ref().unchecked_ref(), true)?;
        self.registered.push((target.clone(), kind, handler));
        Ok(())
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (target, kind, handler) in &self.registered {
            let _ = target.remove_event_listener_with_callback_and_bool(kind, handler.as_ref().unchecked_ref(), true);
        }
    }
}

/// Where the event happened: the first node of its composed path, so that typing in an open shadow root
/// names the field, not the host the event is retargeted to outside the root.
fn target(event: &web_sys::Event) -> EventTarget {
    let first = event.composed_path().get(0);
    match first.is_object() {
        true => first.unchecked_into(),
        false => event.target().unwrap_or_else(|| JsValue::NULL.unchecked_into()),
    }
}

/// The form state events an `input` or `change` on `target` calls for: the control itself, and the
/// controls whose state changed silently with it (the other radios of a group, a select's options).
pub fn form_events(target: &EventTarget, document: &Document, ids: &Ids) -> Vec<Event> {
    let mut events = Vec::new();
    let Some(element) = crate::frames::element_of_any_realm(target) else { return events };
    let Some(tag) = crate::frames::html_tag_of_any_realm(&element) else { return events };
    let element = &element;
    events.extend(form_event(element, &tag, ids));
    match tag.as_str() {
        "input" if element.get_attribute("type").is_some_and(|kind| kind.eq_ignore_ascii_case("radio")) => {
            if let Some(name) = element.get_attribute("name").filter(|name| !name.is_empty()) {
                let group = element.owner_document().unwrap_or_else(|| document.clone()).get_elements_by_name(&name);
                let others = (0..group.length()).filter_map(|index| group.item(index)).filter(|node| node != element.as_ref() as &Node);
                events.extend(others.filter_map(|node| form_event(node.unchecked_ref(), "input", ids)));
            }
        }
        "select" => {
            let options = element.get_elements_by_tag_name("option");
            events.extend((0..options.length()).filter_map(|index| options.item(index)).filter_map(|option| form_event(&option, "option", ids)));
        }
        _ => {}
    }
    events
}

/// The form state of one control the mirror knows, masked as needed.
fn form_event(element: &Element, tag: &str, ids: &Ids) -> Option<Event> {
    let (node, masking) = ids.get_with_masking(element).filter(|_| element.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let state = form_state(element, tag, mask::is_masked(element))?;
    Some(Event::Form { node, state })
}

/// Pointer, scroll and viewport changes waiting for the next animation frame; later values replace earlier.
#[derive(Default)]
pub struct Motion {
    pointer: Option<Point>,
    window_scroll: Option<Point>,
    element_scrolls: Vec<(NodeId, Point)>,
    viewport: Option<Size>,
}

impl Motion {
    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.pointer.is_none() && self.window_scroll.is_none() && self.element_scrolls.is_empty() && self.viewport.is_none()
    }

    pub fn pointer(&mut self, point: Point) {
        self.pointer = Some(point);
    }

    pub fn viewport(&mut self, size: Size) {
        self.viewport = Some(size);
    }

    /// Notes a scroll of the window (`target` is the document) or of an element the mirror knows.
    pub fn scroll(&mut self, target: &EventTarget, window: &Window, ids: &Ids) {
        if target.dyn_ref::<Document>().is_some() {
            self.window_scroll = Some(snapshot::window_scroll(window));
        } else if let Some(element) = target.dyn_ref::<Element>() {
            let Some(node) = ids.get(element) else { return };
            let offset = Point { x: element.scroll_left(), y: element.scroll_top() };
            match self.element_scrolls.iter_mut().find(|(known, _)| *known == node) {
                Some(entry) => entry.1 = offset,
                None => self.element_scrolls.push((node, offset)),
            }
        }
    }

    /// The waiting events, emptying the queue: viewport first, then scrolls, then the pointer.
    pub fn take(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        events.extend(self.viewport.take().map(Event::Viewport));
        events.extend(self.window_scroll.take().map(|offset| Event::Scroll { node: None, offset }));
        events.extend(self.element_scrolls.drain(..).map(|(node, offset)| Event::Scroll { node: Some(node), offset }));
        events.extend(self.pointer.take().map(Event::Pointer));
        events
    }
}
