//! Reading the agent's DOM events in the mirror: where they happened in the visitor's document, and on
//! which of the visitor's elements.
//!
//! The events come from the mirror's realm, so they are cast by their type name (which the listener was
//! registered for), never checked with `instanceof` against this realm's classes.

use crate::call::point::{self, modifier_bits};
use crate::mirror::Mirror;
use cobrowse_protocol::{NodeId, Point};
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, KeyboardEvent, MouseEvent, Node};

/// The document point of a mouse event in the mirror's document.
pub fn document_point(event: &MouseEvent, mirror: &Mirror) -> Point {
    point::document_point((event.client_x() as f64, event.client_y() as f64), mirror.scroll_offset())
}

/// The node the event happened on (inside shadow roots too).
pub fn target_node(event: &Event) -> Option<Node> {
    let path = event.composed_path();
    let first = path.get(0);
    if first.is_object() {
        return Some(first.unchecked_into());
    }
    event.target().map(|target| target.unchecked_into())
}

/// The element the event happened on, as a mirror node and as the visitor's id.
pub fn target_element(event: &Event, mirror: &Mirror) -> Option<(Element, NodeId)> {
    let node = target_node(event)?;
    let id = mirror.visitor_id_of(&node)?;
    let element = mirror.node(id)?;
    (element.node_type() == Node::ELEMENT_NODE).then(|| (element.unchecked_into(), id))
}

/// The middle of `element` in the visitor's document (where it is shown, for inputs that name it).
pub fn element_point(element: &Element, mirror: &Mirror) -> Point {
    let rect = element.get_bounding_client_rect();
    let middle = (rect.left() + rect.width() / 2.0, rect.top() + rect.height() / 2.0);
    point::document_point(middle, mirror.scroll_offset())
}

/// The key and modifier bits of a keyboard event; `None` for a modifier key alone (it rides along with
/// the next key) and keys that name no key.
pub fn key_of(event: &KeyboardEvent) -> Option<(String, u8)> {
    let key = event.key();
    if matches!(key.as_str(), "Shift" | "Control" | "Alt" | "Meta" | "AltGraph" | "Dead" | "Unidentified" | "") {
        return None;
    }
    Some((key, modifier_bits(event.shift_key(), event.ctrl_key(), event.alt_key(), event.meta_key())))
}

/// Whether the element is (inside) a `<select>`: pressing it opens its options, which the agent may use.
pub fn is_select(node: &Node) -> bool {
    let name = node.node_name();
    name.eq_ignore_ascii_case("select") || name.eq_ignore_ascii_case("option") || name.eq_ignore_ascii_case("optgroup")
}
