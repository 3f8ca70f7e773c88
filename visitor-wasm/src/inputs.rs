//! Inputs: what the visitor does that no MutationObserver sees — typing, clicking form controls,
//! scrolling, resizing the window, moving the pointer, clicking, focusing, selecting text, playing media.
//!
//! [`Listeners`] owns the event listeners (on the document and the window, in the capture phase so that
//! element scrolls, which do not bubble, are seen too) and removes them when dropped. Each DOM event
//! becomes an [`Input`] for the session, which turns it into protocol events with the functions here:
//! - form changes ([`form_events`]) are sent at once, masked like everything else;
//! - media playback changes ([`media_event`]) are sent at once;
//! - scroll, resize, pointer moves, clicks, hover, focus and selection are [`Motion`]: only the latest
//!   value matters (clicks are all kept), so they are kept and sent at most once per animation frame.
//!   Focus, hover and selection are read when the frame comes; a selection end inside masked text is
//!   moved to offset 0, so the selection reveals nothing of that text's length.

use crate::hooks;
use crate::ids::Ids;
use crate::mask::{self, Masking};
use crate::snapshot::{self, form_state};
use cobrowse_protocol::{Event, NodeId, Point, Selection, Size};
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
    Some(match event.type_().as_str() {
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

/// The playback state of a media element the mirror knows (`None` if unknown or masked).
pub fn media_event(target: &EventTarget, ids: &Ids) -> Option<Event> {
    let element = target.dyn_ref::<Element>()?;
    let (node, masking) = ids.get_with_masking(element)?;
    if masking.masks() {
        return None;
    }
    Some(Event::Media { node, state: hooks::media_state(element)? })
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
                let others = (0..group.length())
                    .filter_map(|index| group.item(index))
                    .filter(|node| node != element.as_ref() as &Node);
                events.extend(others.filter_map(|node| form_event(node.unchecked_ref(), "input", ids)));
            }
        }
        "select" => {
            let options = element.get_elements_by_tag_name("option");
            events.extend(
                (0..options.length())
                    .filter_map(|index| options.item(index))
                    .filter_map(|option| form_event(&option, "option", ids)),
            );
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
    clicks: Vec<Point>,
    hover: Option<EventTarget>,
    focus_changed: bool,
    selection_changed: bool,
    /// What the mirror was last told: hover, focus and selection events are sent only when they differ.
    sent: Presence,
    window_scroll: Option<Point>,
    element_scrolls: Vec<(NodeId, Point)>,
    viewport: Option<Size>,
}

impl Motion {
    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.pointer.is_none()
            && self.window_scroll.is_none()
            && self.element_scrolls.is_empty()
            && self.viewport.is_none()
            && self.clicks.is_empty()
            && self.hover.is_none()
            && !self.focus_changed
            && !self.selection_changed
    }

    pub fn click(&mut self, point: Point) {
        self.clicks.push(point);
    }

    pub fn hover(&mut self, target: EventTarget) {
        self.hover = Some(target);
    }

    pub fn focus_changed(&mut self) {
        self.focus_changed = true;
    }

    pub fn selection_changed(&mut self) {
        self.selection_changed = true;
    }

    pub fn pointer(&mut self, point: Point) {
        self.pointer = Some(point);
    }

    pub fn viewport(&mut self, size: Size) {
        self.viewport = Some(size);
    }

    /// Notes a scroll of the window (`target` is the document) or of an element the mirror knows.
    pub fn scroll(&mut self, target: &EventTarget, window: &Window, ids: &Ids) {
        let node = target.unchecked_ref::<Node>();
        if node.node_type() == Node::DOCUMENT_NODE {
            let document = node.unchecked_ref::<Document>();
            match crate::roots::host_of(node) {
                // A frame document scrolled: its scrolling element, which the mirror knows, did.
                Some(_) => {
                    let Some(element) = document.scrolling_element() else { return };
                    let Some(id) = ids.get(&element) else { return };
                    self.element_scroll(id, element_offset(&element));
                }
                None => self.window_scroll = Some(snapshot::window_scroll(window)),
            }
        } else if node.node_type() == Node::ELEMENT_NODE {
            let element = node.unchecked_ref::<Element>();
            let Some(node) = ids.get(element) else { return };
            self.element_scroll(node, element_offset(element));
        }
    }

    /// Notes an element scrolled to `offset` (replacing an earlier offset of the same frame).
    pub fn element_scroll(&mut self, node: NodeId, offset: Point) {
        match self.element_scrolls.iter_mut().find(|(known, _)| *known == node) {
            Some(entry) => entry.1 = offset,
            None => self.element_scrolls.push((node, offset)),
        }
    }

    /// The waiting events, emptying the queue: viewport first, then scrolls, then the pointer, clicks,
    /// hover, focus and selection.
    pub fn take(&mut self, document: &Document, ids: &Ids) -> Vec<Event> {
        let mut events = Vec::new();
        events.extend(self.viewport.take().map(Event::Viewport));
        events.extend(self.window_scroll.take().map(|offset| Event::Scroll { node: None, offset }));
        events.extend(self.element_scrolls.drain(..).map(|(node, offset)| Event::Scroll { node: Some(node), offset }));
        events.extend(self.pointer.take().map(Event::Pointer));
        events.extend(self.clicks.drain(..).map(Event::Click));
        if let Some(target) = self.hover.take() {
            let hovered = target.dyn_ref::<Node>().and_then(|node| ids.get(node));
            events.extend(changed(&mut self.sent.hover, hovered).map(Event::Hover));
        }
        if std::mem::take(&mut self.focus_changed) {
            events.extend(changed(&mut self.sent.focus, focused(document, ids)).map(Event::Focus));
        }
        if std::mem::take(&mut self.selection_changed) {
            events.extend(changed(&mut self.sent.selection, selection(document, ids)).map(Event::Selection));
        }
        events
    }

    /// After a snapshot: the mirror has no hover, focus or selection until told.
    pub fn snapshot_sent(&mut self, focus: Option<NodeId>) {
        self.sent = Presence { focus, ..Presence::default() };
    }
}

/// The hover, focus and selection the mirror was last told of.
#[derive(Default)]
struct Presence {
    hover: Option<NodeId>,
    focus: Option<NodeId>,
    selection: Option<Selection>,
}

/// `now` if it differs from what was `sent` (which becomes `now`).
fn changed<T: PartialEq + Copy>(sent: &mut T, now: T) -> Option<T> {
    (std::mem::replace(sent, now) != now).then_some(now)
}

/// The focused element, if the mirror knows it; `None` for the body or nothing.
pub fn focused(document: &Document, ids: &Ids) -> Option<NodeId> {
    let body = document.body();
    let element = document.active_element().filter(|element| Some(element) != body.as_ref().map(AsRef::as_ref))?;
    ids.get(&element)
}

/// The visitor's selection between two nodes the mirror knows, ends in masked text moved to offset 0.
fn selection(document: &Document, ids: &Ids) -> Option<Selection> {
    let (anchor, anchor_offset, focus, focus_offset) = hooks::selection(document)?;
    let end = |node: &Node, offset: u32| {
        let (id, masking) = ids.get_with_masking(node)?;
        Some((id, if masking.masks() { 0 } else { offset }))
    };
    let ((anchor, anchor_offset), (focus, focus_offset)) = (end(&anchor, anchor_offset)?, end(&focus, focus_offset)?);
    Some(Selection { anchor, anchor_offset, focus, focus_offset })
}

/// An element's scroll offset.
pub fn element_offset(element: &Element) -> Point {
    Point { x: element.scroll_left(), y: element.scroll_top() }
}
