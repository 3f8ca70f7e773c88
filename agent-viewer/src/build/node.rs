//! Creating one mirror node of a kind the visitor sent, without its children, attributes or id.
//!
//! Elements are created with `createElementNS` in their namespace (so SVG and MathML render); a tag name
//! the DOM rejects still gets a node (`cobrowse-unknown`), so its children and id have a home; an HTML tag
//! with a colon keeps it whole, as the parser does.
//! `<script>`/`<noscript>` become inert `<template>` placeholders (see `sanitize::Inert`). The visitor's
//! media is silenced as it is created: the agent's browser must not play the visitor's sound.

use crate::dom::{HTML_NS, MATHML_NS, PLACEHOLDER_MARKER, SVG_NS};
use crate::sanitize::Inert;
use cobrowse_protocol::{Element as ElementData, Namespace};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element, Node};

/// An element of `data`'s tag in its namespace (an unknown-tag element if the DOM refuses the tag).
///
/// An HTML tag with a colon (`<x:script>`, which the HTML parser makes an unknown element of that whole
/// local name) is created as the parser does, with `createElement`: `createElementNS` would split it into a
/// prefix and a local name, and `x:script` would be a real script element, `x:iframe` a real iframe.
pub fn element_in_namespace(document: &Document, data: &ElementData) -> Result<Element, JsValue> {
    if data.namespace == Namespace::Html && data.tag.contains(':') {
        return document
            .create_element(&data.tag)
            .or_else(|_| document.create_element_ns(Some(HTML_NS), "cobrowse-unknown"));
    }
    let namespace = match &data.namespace {
        Namespace::Html => HTML_NS,
        Namespace::Svg => SVG_NS,
        Namespace::MathMl => MATHML_NS,
        Namespace::Other(uri) => uri.as_str(),
    };
    document
        .create_element_ns(Some(namespace), &data.tag)
        // A tag name the DOM rejects still gets a node, so its children and id have a home.
        .or_else(|_| document.create_element_ns(Some(HTML_NS), "cobrowse-unknown"))
}

/// The inert `<template>` standing for a script or noscript element.
pub fn placeholder(document: &Document, inert: Inert) -> Result<Node, JsValue> {
    let template = document.create_element("template")?;
    template.set_attribute(PLACEHOLDER_MARKER, inert.marker_value())?;
    Ok(template.into())
}

/// A doctype node (a document keeps it as its first child).
pub fn doctype(document: &Document, name: &str, public_id: &str, system_id: &str) -> Option<Node> {
    document.implementation().ok()?.create_document_type(name, public_id, system_id).ok().map(Node::from)
}

/// Whether `element` is a `<video>` or an `<audio>`.
pub fn is_media(element: &ElementData) -> bool {
    element.namespace == Namespace::Html && matches!(element.tag.as_str(), "video" | "audio")
}

/// The visitor's media must not play sound in the agent's browser (the agent's click on Join would let
/// an `autoplay` element start). `muted` the property leaves the attributes as the visitor has them.
pub fn silence(element: &Element) {
    let _ = js_sys::Reflect::set(element, &"muted".into(), &true.into());
}

/// Whether `element` is the HTML `<head>` (where the viewer's own nodes go).
pub fn is_html_head(element: &ElementData) -> bool {
    element.namespace == Namespace::Html && element.tag.eq_ignore_ascii_case("head")
}
