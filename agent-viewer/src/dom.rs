//! The bottom layer: small facts about the mirror's DOM that every other part of the viewer needs.
//!
//! Namespaces, the attributes the viewer itself puts on mirror nodes (its markers), tag tests, and casts
//! that are safe across realms. Mirror nodes belong to the iframe's realm, where `instanceof` against this
//! realm's classes fails (`dyn_into` would refuse them), so a node's kind is read from its node type or
//! from what the viewer made it, and the cast is unchecked. This file imports nothing of the crate, so
//! anything may import it without making a circle.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlDocument, HtmlIFrameElement, HtmlTemplateElement, Node};

pub const HTML_NS: &str = "http://www.w3.org/1999/xhtml";
pub const SVG_NS: &str = "http://www.w3.org/2000/svg";
pub const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";
pub const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Marks nodes the viewer added (its base and stylesheet, a canvas's image).
pub const VIEWER_MARKER: &str = "data-cobrowse-viewer";
/// Marks a placeholder `<template>` standing for a script or noscript; its value says which.
pub const PLACEHOLDER_MARKER: &str = "data-cobrowse-script";
/// Marks an element whose text, value or attribute is masked.
pub const MASKED: &str = "data-cobrowse-masked";
/// Marks a blocked element's box; its value is the element's tag.
pub const BLOCKED: &str = "data-cobrowse-blocked";
/// Stand for `:hover`, `:focus` and `:focus-within` on the elements the visitor points at or focused.
pub const HOVER_ATTRIBUTE: &str = "data-cobrowse-hover";
pub const FOCUS_ATTRIBUTE: &str = "data-cobrowse-focus";
pub const FOCUS_WITHIN_ATTRIBUTE: &str = "data-cobrowse-focus-within";
/// Where the mirror keeps an iframe's `src` (so the mirror's iframe loads nothing).
pub const SRC_ATTRIBUTE: &str = "data-cobrowse-src";
/// Where the mirror keeps an iframe's `sandbox` (so the nested document stays readable by the viewer).
pub const SANDBOX_ATTRIBUTE: &str = "data-cobrowse-sandbox";

/// The name of the viewer's object on `window`.
const GLOBAL: &str = "cobrowseViewer";

/// Whether a `tag` element shows a document of its own: an `<iframe>` or a `<frame>`.
pub fn is_iframe_tag(tag: &str) -> bool {
    tag.eq_ignore_ascii_case("iframe") || tag.eq_ignore_ascii_case("frame")
}

/// Whether a `tag` element is a link that only navigates: an `<a>` or an `<area>`.
pub fn is_link_tag(tag: &str) -> bool {
    tag.eq_ignore_ascii_case("a") || tag.eq_ignore_ascii_case("area")
}

/// `node` as an element, if it is one (by node type, so it works for any realm's nodes).
pub fn as_element(node: &Node) -> Option<&Element> {
    (node.node_type() == Node::ELEMENT_NODE).then(|| node.unchecked_ref::<Element>())
}

/// Whether `node` is one the viewer added (marked [`VIEWER_MARKER`]).
pub fn is_viewer_node(node: &Node) -> bool {
    as_element(node).is_some_and(|element| element.has_attribute(VIEWER_MARKER))
}

/// The content fragment of a `<template>` the viewer made (a placeholder): its type is taken on trust.
pub fn template_content(node: &Node) -> Node {
    node.unchecked_ref::<HtmlTemplateElement>().content().into()
}

/// The host of `node` if it is a shadow root, else `node` itself.
pub fn shadow_host_or_self(node: &Node) -> Node {
    match js_sys::Reflect::get(node, &"host".into()) {
        Ok(host) if host.is_object() => host.unchecked_into(),
        _ => node.clone(),
    }
}

/// The document shown by a mirror `<iframe>` or `<frame>` (of the mirror's realm, so taken on trust).
pub fn nested_document_of(iframe: &Node) -> Option<Document> {
    iframe.unchecked_ref::<HtmlIFrameElement>().content_document()
}

/// `document` as an HTML document (`open`, `write`); an iframe's document is of the iframe's realm.
pub fn as_html_document(document: Document) -> HtmlDocument {
    document.unchecked_into()
}

/// `window.cobrowseViewer`, created on first use: where the viewer publishes what it did, for tests.
pub fn global_object() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let existing = js_sys::Reflect::get(&window, &GLOBAL.into()).ok()?;
    if existing.is_object() {
        return Some(existing);
    }
    let created: JsValue = js_sys::Object::new().into();
    js_sys::Reflect::set(&window, &GLOBAL.into(), &created).ok()?;
    Some(created)
}
