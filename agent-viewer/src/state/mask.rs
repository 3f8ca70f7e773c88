//! How masked content shows in the mirror: [`cobrowse_protocol::MASK_TEXT`] and a marked element.
//!
//! The visitor replaces masked text, values and attributes by `Value::Masked` before serializing, so the
//! mirror never has anything of the original to show. It shows the fixed mask glyphs and marks the element
//! with [`MASKED`], which the viewer's stylesheet in the mirror (see `build/injected.rs`) paints striped, so the
//! agent can tell "hidden from you" from "empty".

use crate::dom::MASKED;
use web_sys::Element;

/// Marks `element` as showing masked content.
pub fn mark(element: &Element) {
    let _ = element.set_attribute(MASKED, "");
}

/// Marks the element holding a masked text node, if it has one.
pub fn mark_parent_of(text: &web_sys::Node) {
    if let Some(parent) = text.parent_element() {
        mark(&parent);
    }
}
