//! Where the visitor is on the page: the element under their pointer, the focused element, and their
//! text selection, shown in the mirror.
//!
//! Hover and focus become attributes on mirror elements (`styles/pseudo.rs` makes the page's `:hover` and
//! `:focus` rules match them): the hovered element and every ancestor (`:hover` matches them all, across
//! shadow boundaries), the focused element, and the ancestors of the focused element for
//! `:focus-within`. The selection is set on the mirror document's own `Selection`.

use crate::dom::{FOCUS_ATTRIBUTE, FOCUS_WITHIN_ATTRIBUTE, HOVER_ATTRIBUTE};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node, ShadowRoot};

/// The elements the viewer marked, so the marks can be taken off again.
#[derive(Default)]
pub struct Presence {
    hovered: Vec<Element>,
    focused: Vec<Element>,
}

impl Presence {
    /// Forgets the marks (the document they were in is gone).
    pub fn clear(&mut self) {
        self.hovered.clear();
        self.focused.clear();
    }

    /// Marks `element` and its ancestors hovered (`None`: nothing is).
    pub fn hover(&mut self, element: Option<Element>) {
        unmark(&mut self.hovered, HOVER_ATTRIBUTE);
        if let Some(element) = element {
            self.hovered = with_ancestors(element);
            mark(&self.hovered, HOVER_ATTRIBUTE);
        }
    }

    /// Marks `element` focused and its ancestors as having focus within (`None`: nothing is).
    pub fn focus(&mut self, element: Option<Element>) {
        unmark(&mut self.focused, FOCUS_ATTRIBUTE);
        unmark(&mut self.focused, FOCUS_WITHIN_ATTRIBUTE);
        let Some(element) = element else {
            self.focused.clear();
            return;
        };
        self.focused = with_ancestors(element);
        if let Some((focused, ancestors)) = self.focused.split_first() {
            let _ = focused.set_attribute(FOCUS_ATTRIBUTE, "");
            mark(ancestors, FOCUS_WITHIN_ATTRIBUTE);
            let _ = focused.set_attribute(FOCUS_WITHIN_ATTRIBUTE, "");
        }
    }
}

/// Selects from `anchor` to `focus` in the mirror document (offsets clamped to the nodes' lengths);
/// `None` clears the selection.
pub fn select(document: &Document, ends: Option<(Node, u32, Node, u32)>) {
    let Ok(Some(selection)) = document.get_selection() else { return };
    match ends {
        Some((anchor, anchor_offset, focus, focus_offset)) => {
            let (anchor_offset, focus_offset) = (clamp(&anchor, anchor_offset), clamp(&focus, focus_offset));
            let _ = selection.set_base_and_extent(&anchor, anchor_offset, &focus, focus_offset);
        }
        None => {
            let _ = selection.remove_all_ranges();
        }
    }
}

fn clamp(node: &Node, offset: u32) -> u32 {
    let length = match node.node_type() {
        Node::ELEMENT_NODE => node.child_nodes().length(),
        _ => node.text_content().map_or(0, |text| text.encode_utf16().count() as u32),
    };
    offset.min(length)
}

/// `element` and its ancestors, up through shadow hosts.
fn with_ancestors(element: Element) -> Vec<Element> {
    let mut chain = vec![element];
    while let Some(next) = chain.last().and_then(parent_or_host) {
        chain.push(next);
    }
    chain
}

fn parent_or_host(element: &Element) -> Option<Element> {
    element.parent_element().or_else(|| {
        let parent = element.parent_node()?;
        (parent.node_type() == Node::DOCUMENT_FRAGMENT_NODE).then(|| parent.unchecked_into::<ShadowRoot>().host())
    })
}

fn mark(elements: &[Element], attribute: &str) {
    for element in elements {
        let _ = element.set_attribute(attribute, "");
    }
}

fn unmark(elements: &mut [Element], attribute: &str) {
    for element in elements.iter() {
        let _ = element.remove_attribute(attribute);
    }
}
