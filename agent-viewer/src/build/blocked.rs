//! How a blocked element shows in the mirror: an empty box of the size it has on the visitor's page.
//!
//! The visitor sends a blocked element as its tag and rendered size only (`NodeKind::Blocked`). The mirror
//! builds a `<div>` (never the element itself: an empty `<iframe>` or `<img>` would draw its own frame)
//! marked [`BLOCKED`] with the original tag as value, sized by its `style` (the mirror is ours), laid out
//! inline for tags that are inline on pages. The viewer's stylesheet (see `injected.rs`) paints it hatched,
//! so the agent can tell "blocked from you" from "empty".

use crate::dom::BLOCKED;
use cobrowse_protocol::Size;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

/// Tags whose elements usually sit in a line of text, so their box does too.
const INLINE_TAGS: [&str; 16] = [
    "a", "abbr", "b", "button", "canvas", "code", "em", "i", "iframe", "img", "input", "label", "select", "span",
    "svg", "textarea",
];

/// The empty, marked box standing for a blocked `tag` of `size`.
pub fn create(document: &Document, tag: &str, size: Size) -> Result<Element, JsValue> {
    let element = document.create_element("div")?;
    element.set_attribute(BLOCKED, tag)?;
    let display = if INLINE_TAGS.contains(&tag.to_ascii_lowercase().as_str()) { "inline-block" } else { "block" };
    let style = format!("display:{display};width:{}px;height:{}px", size.width, size.height);
    element.set_attribute("style", &style)?;
    Ok(element)
}
