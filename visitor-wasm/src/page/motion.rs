//! Motion: scroll, resize, pointer moves, clicks, hover, focus and selection. Only the latest value matters
//! (clicks are all kept), so [`Motion`] keeps them and the session sends them at most once per animation
//! tick. Focus, hover and selection are read when the tick comes; a selection end inside masked text is
//! moved to offset 0, so the selection reveals nothing of that text's length.

use crate::dom;
use crate::recorder::Recorder;
use cobrowse_protocol::{Event, NodeId, Point, Selection, Size};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, EventTarget, Node, Window};

/// Pointer, scroll and viewport changes waiting for the next animation tick; later values replace earlier.
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
    pub fn scroll(&mut self, target: &EventTarget, window: &Window, recorder: &Recorder) {
        let node = target.unchecked_ref::<Node>();
        if node.node_type() == Node::DOCUMENT_NODE {
            let document = node.unchecked_ref::<Document>();
            match dom::host_of(node) {
                // A child document scrolled: its scrolling element, which the mirror knows, did.
                Some(_) => {
                    let Some(element) = document.scrolling_element() else { return };
                    let Some(id) = recorder.ids.get(&element) else { return };
                    self.element_scroll(id, dom::element_offset(&element));
                }
                None => self.window_scroll = Some(dom::window_scroll(window)),
            }
        } else if node.node_type() == Node::ELEMENT_NODE {
            let element = node.unchecked_ref::<Element>();
            let Some(node) = recorder.ids.get(element) else { return };
            self.element_scroll(node, dom::element_offset(element));
        }
    }

    /// Notes an element scrolled to `offset` (replacing an earlier offset of the same animation tick).
    pub fn element_scroll(&mut self, node: NodeId, offset: Point) {
        match self.element_scrolls.iter_mut().find(|(known, _)| *known == node) {
            Some(entry) => entry.1 = offset,
            None => self.element_scrolls.push((node, offset)),
        }
    }

    /// The waiting events, emptying the queue: viewport first, then scrolls, then the pointer, clicks,
    /// hover, focus and selection.
    pub fn take(&mut self, document: &Document, recorder: &Recorder) -> Vec<Event> {
        let mut events = Vec::new();
        events.extend(self.viewport.take().map(Event::Viewport));
        events.extend(self.window_scroll.take().map(|offset| Event::Scroll { node: None, offset }));
        events.extend(self.element_scrolls.drain(..).map(|(node, offset)| Event::Scroll { node: Some(node), offset }));
        events.extend(self.pointer.take().map(Event::Pointer));
        events.extend(self.clicks.drain(..).map(Event::Click));
        if let Some(target) = self.hover.take() {
            let hovered = target.dyn_ref::<Node>().and_then(|node| recorder.ids.get(node));
            events.extend(changed(&mut self.sent.hover, hovered).map(Event::Hover));
        }
        if std::mem::take(&mut self.focus_changed) {
            events.extend(changed(&mut self.sent.focus, focused(document, recorder)).map(Event::Focus));
        }
        if std::mem::take(&mut self.selection_changed) {
            events.extend(changed(&mut self.sent.selection, selection(document, recorder)).map(Event::Selection));
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
pub fn focused(document: &Document, recorder: &Recorder) -> Option<NodeId> {
    let body = document.body();
    let element = document.active_element().filter(|element| Some(element) != body.as_ref().map(AsRef::as_ref))?;
    recorder.ids.get(&element)
}

/// The visitor's selection between two nodes the mirror knows, ends in masked text moved to offset 0.
fn selection(document: &Document, recorder: &Recorder) -> Option<Selection> {
    let (anchor, anchor_offset, focus, focus_offset) = recorder.hooks.selection(document)?;
    let end = |node: &Node, offset: u32| {
        let (id, masking) = recorder.ids.get_with_masking(node)?;
        Some((id, if masking.masks() { 0 } else { offset }))
    };
    let ((anchor, anchor_offset), (focus, focus_offset)) = (end(&anchor, anchor_offset)?, end(&focus, focus_offset)?);
    Some(Selection { anchor, anchor_offset, focus, focus_offset })
}
