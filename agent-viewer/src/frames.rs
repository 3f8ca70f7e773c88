//! Frame documents in the mirror: the visitor's same-origin iframes, rebuilt inside the mirror's iframes.
//!
//! The mirrored `<iframe>` (or `<frame>`) never loads what the visitor's loads: its `src` is kept as
//! `data-cobrowse-src` (and `sandbox` as `data-cobrowse-sandbox`, so the frame's document stays readable by
//! the viewer); `srcdoc` is dropped by `sanitize.rs`. So the agent's browser fetches nothing for it, and the
//! frame's initial `about:blank` document, of the mirror's origin and under its sandbox (no scripts,
//! inherited by nested frames), is rebuilt with the visitor's frame document (`Extras::frame`,
//! `Event::Frame`): its doctype written with `document.open()` as the mirror does for the top document,
//! the viewer's `<base href=FRAME_URL>` and stylesheet in its head (see `injected.rs`), then its nodes
//! under the visitor's ids. A frame whose document the visitor cannot read (cross-origin) stays an empty
//! box of its size, with its attributes.
//!
//! A frame document needs its frame in the mirror's document, so the builder builds it last, in
//! `Builder::finish`. [`unbuilt_documents`] counts documents that could not be built. Each frame document
//! gets the mirror's [`NavigationGuard`], so a script click on a link in it navigates nothing either.
//!
//! Known limit: a `Children` event on a frame document's `<head>` drops the viewer's base and stylesheet
//! there (the mirror keeps them in front only in the top document's head).

use crate::build::Builder;
use crate::ids::NodeIds;
use crate::injected::Injected;
use crate::sanitize;
use crate::view_only::NavigationGuard;
use cobrowse_protocol::{Node as NodeData, NodeId, NodeKind, Root};
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, HtmlDocument, HtmlIFrameElement, Node};

/// Where the mirror keeps a frame's `src`.
pub const SRC_ATTRIBUTE: &str = "data-cobrowse-src";
/// Where the mirror keeps a frame's `sandbox`.
pub const SANDBOX_ATTRIBUTE: &str = "data-cobrowse-sandbox";

thread_local! {
    static UNBUILT: Cell<u32> = const { Cell::new(0) };
    static GUARD: NavigationGuard = NavigationGuard::default();
}

/// How many frame documents could not be built (since the viewer started).
pub fn unbuilt_documents() -> u32 {
    UNBUILT.with(Cell::get)
}

/// The name under which the mirror keeps the visitor's attribute `name` of a `tag` element: a frame's
/// `src` and `sandbox` are renamed, so the mirror's frame loads nothing and stays readable.
pub fn mirror_attribute_name<'a>(tag: &str, name: &'a str) -> &'a str {
    if !(tag.eq_ignore_ascii_case("iframe") || tag.eq_ignore_ascii_case("frame")) {
        return name;
    }
    if name.eq_ignore_ascii_case("src") {
        SRC_ATTRIBUTE
    } else if name.eq_ignore_ascii_case("sandbox") {
        SANDBOX_ATTRIBUTE
    } else {
        name
    }
}

/// Builds `root` as the document of the mirror frame `frame` (which must be in the mirror's document).
pub fn build_document(frame: &Node, root: &Root, ids: &mut NodeIds) {
    if let Err(error) = try_build_document(frame, root, ids) {
        UNBUILT.with(|unbuilt| unbuilt.set(unbuilt.get() + 1));
        web_sys::console::warn_1(&format!("cobrowse viewer: a frame's document was not built: {error:?}").into());
    }
}

fn try_build_document(frame: &Node, root: &Root, ids: &mut NodeIds) -> Result<(), JsValue> {
    if mirror_attribute_name(&frame.unchecked_ref::<web_sys::Element>().local_name(), "src") != SRC_ATTRIBUTE {
        return Err("only an iframe or a frame shows a document of the visitor's in the mirror".into());
    }
    let document = fresh_document(frame, &root.children)?;
    GUARD.with(|guard| guard.protect(&document))?;
    ids.insert(root.id, &document);
    let injected = Injected::create(&document, &base_url(frame, &root.url))?;
    let mut builder = Builder::new(&document, ids).inject_into_head(&injected);
    for child in &root.children {
        builder.build_into(child, &document);
    }
    builder.finish();
    injected.ensure_attached(&document)?;
    injected.follow_visitor_base(&document, &root.url);
    Ok(())
}

/// Applies `Event::Frame`: the frame `frame` shows `document` now (`None`: nothing, an empty box). Returns
/// how many events were out of step (1 if the frame is unknown or not an element).
pub fn apply(ids: &mut NodeIds, frame: NodeId, document: Option<&Root>) -> u32 {
    let Some(frame) = ids.get(frame).filter(|node| node.node_type() == Node::ELEMENT_NODE).cloned() else {
        return 1;
    };
    if let Some(old) = content_document(&frame) {
        ids.forget_subtree(&old);
    }
    match document {
        Some(root) => build_document(&frame, root, ids),
        None => {
            let _ = fresh_document(&frame, &[]);
        }
    }
    0
}

/// The frame's document in the mirror (the frame must be an `<iframe>` or `<frame>` of the mirror).
fn content_document(frame: &Node) -> Option<Document> {
    frame.unchecked_ref::<HtmlIFrameElement>().content_document()
}

/// Opens the frame's document afresh with the doctype among `children` (or none: quirks mode), emptied.
fn fresh_document(frame: &Node, children: &[NodeData]) -> Result<Document, JsValue> {
    let no_document = || JsValue::from_str("the mirror's frame has no document: it must be an iframe in the mirror");
    // Of the frame's realm: `instanceof HTMLDocument` here would be false.
    let html: HtmlDocument = content_document(frame).ok_or_else(no_document)?.unchecked_into();
    html.open()?;
    html.write_1(&doctype_markup(children))?;
    html.close()?;
    let document = content_document(frame).ok_or_else(no_document)?;
    while let Some(child) = document.first_child() {
        document.remove_child(&child)?;
    }
    Ok(document)
}

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

/// The URL the frame's relative URLs resolve against: the frame document's, or for `about:blank` and
/// `about:srcdoc` documents (which resolve against their parent's) the mirror document's base.
fn base_url(frame: &Node, url: &str) -> String {
    if !url.is_empty() && !url.starts_with("about:") {
        return url.to_string();
    }
    frame.owner_document().and_then(|parent| parent.base_uri().ok().flatten()).unwrap_or_default()
}
