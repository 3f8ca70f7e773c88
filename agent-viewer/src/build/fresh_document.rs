//! Opening a mirror document afresh, empty, in the visitor's rendering mode.
//!
//! The top document (the mirror iframe's) and every nested document (a mirrored iframe's) are rebuilt
//! the same way: `document.open()`, the visitor's doctype written (or none: quirks mode), `close()`, then
//! every child removed, so the builder starts from an empty document whose mode matches the visitor's.
//! The doctype markup is sanitized (see `sanitize::doctype_markup`).

use crate::dom;
use crate::sanitize;
use cobrowse_protocol::{Node as NodeData, NodeKind};
use wasm_bindgen::JsValue;
use web_sys::Document;

/// Opens the document `current()` gives afresh with the doctype among `children`, and empties it;
/// `missing` is the error when there is no document.
pub fn reopen(
    current: &dyn Fn() -> Option<Document>,
    children: &[NodeData],
    missing: &str,
) -> Result<Document, JsValue> {
    let no_document = || JsValue::from_str(missing);
    let html = dom::as_html_document(current().ok_or_else(no_document)?);
    html.open()?;
    html.write_1(&doctype_markup(children))?;
    html.close()?;
    let document = current().ok_or_else(no_document)?;
    while let Some(child) = document.first_child() {
        document.remove_child(&child)?;
    }
    Ok(document)
}

/// The doctype among a document's `children`, as markup (empty without one).
fn doctype_markup(children: &[NodeData]) -> String {
    children
        .iter()
        .find_map(|node| match &node.kind {
            NodeKind::Doctype { name, public_id, system_id } => {
                Some(sanitize::doctype_markup(name, public_id, system_id))
            }
            _ => None,
        })
        .unwrap_or_default()
}
