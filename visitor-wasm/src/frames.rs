//! Same-origin frames: the document of an `<iframe>` or `<frame>`, sent under the frame. (An `<object>`'s
//! document is not: the mirror loads an object's `data` itself, as any other resource.)
//!
//! The snapshot sends a readable frame document as `Extras::frame` with its own ids from the same id space,
//! masked as its frame element is (see `snapshot.rs`). A cross-origin document cannot be read: the frame is
//! sent with its attributes and no content, and the mirror shows an empty box of its size.
//!
//! A frame that loads a new document later (added after the snapshot, navigated, reloaded, `srcdoc`
//! changed) fires `load`, which `roots.rs` hears in every watched document and reports as
//! `changed("frame", element)`; [`loaded`] makes it an [`Event::Frame`].

use crate::ids::Ids;
use crate::mask::Masking;
use crate::snapshot;
use cobrowse_protocol::Event;
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget, HtmlIFrameElement, Node};

/// Whether the element shows a document of its own (by its lower-case local name).
pub fn is_frame(element: &Element) -> bool {
    matches!(element.local_name().as_str(), "iframe" | "frame")
}

/// The frame's document, if `tag` is a frame's and the document is readable (same origin).
pub fn readable_document(element: &Element, tag: &str) -> Option<Node> {
    if !matches!(tag, "iframe" | "frame") {
        return None;
    }
    // `contentDocument` is null across origins; every frame element has it (the cast only names it).
    element.unchecked_ref::<HtmlIFrameElement>().content_document().map(Into::into)
}

/// The event for a frame that loaded a document; `None` if the mirror does not show the frame's content
/// (unknown, blocked, disconnected) or already has this document.
pub fn loaded(frame: &Element, ids: &mut Ids) -> Option<Event> {
    let (frame_id, masking) = ids.get_with_masking(frame).filter(|_| frame.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let document = match readable_document(frame, &frame.local_name()) {
        Some(document) if ids.get(&document).is_some() => return None,
        Some(document) => Some(snapshot::new_root(&document, masking, document_url(&document), ids)),
        None => None,
    };
    Some(Event::Frame { frame: frame_id, document })
}

/// A frame document's URL.
pub fn document_url(document: &Node) -> String {
    document.unchecked_ref::<web_sys::Document>().url().unwrap_or_default()
}

/// `target` as an element, of this realm or a frame's (where `instanceof Element` fails).
pub fn element_of_any_realm(target: &EventTarget) -> Option<Element> {
    let node_type = js_sys::Reflect::get(target, &"nodeType".into()).ok()?.as_f64()?;
    (node_type == f64::from(Node::ELEMENT_NODE)).then(|| target.clone().unchecked_into())
}

/// The lower-case tag of an HTML element of this realm or a frame's; `None` for SVG, MathML and others.
pub fn html_tag_of_any_realm(element: &Element) -> Option<String> {
    snapshot::html_tag(element).or_else(|| {
        (element.namespace_uri().as_deref() == Some("http://www.w3.org/1999/xhtml")).then(|| element.local_name())
    })
}
