//! Markup held as text: the places where the browser keeps markup as a string, and what of each is sent.
//!
//! Masking works on elements. Where the page holds markup as a string instead of nodes, a marker inside
//! the string protects nothing by itself, so every such carrier is decided here, on every path that
//! serializes (snapshot, new subtrees, attribute and text events, stylesheet rules, asset uploads):
//!
//! - **Not sent, because the mirror does not need it and the visitor does not see it:** `srcdoc` (the
//!   iframe's child document is sent as its own node tree when it is readable, and an unreadable one is an empty
//!   box), `on*` handler attributes (code; the viewer drops them), the code of `javascript:`/`vbscript:`
//!   URLs (only the scheme is sent), the markup of `data:` URLs of HTML or XHTML documents (only
//!   `data:TYPE,` is sent: the mirror never loads an iframe's or link's document), comments (sent empty), and
//!   the children of elements whose content the parser keeps as raw text the visitor never sees:
//!   `<script>` (HTML and SVG), `<noscript>`, `<iframe>`, `<noembed>`, `<noframes>` ([`lists_children`]).
//! - **Parsed and masked by the page's rules, or masked whole:** `data:` URLs of SVG and other XML images
//!   (in any attribute, a `style` attribute, `<style>` text and every stylesheet rule sent) are parsed and
//!   walked with the same masking as the page, starting from the masking of the element that holds them;
//!   if anything in them would be masked or blocked, the URL becomes `data:,` (an empty image, which says
//!   nothing of the length). Attribute values that hold markup (a template in a `data-*` attribute, HTML
//!   in a `title`) and the text of `<xmp>` and `<plaintext>` (shown as text, but markup) are parsed the
//!   same way; if anything in them would be masked, the value is [`Value::Masked`].
//! - **Text, as any text:** `<textarea>` and `<title>` keep their content as text the visitor reads as
//!   text; it is masked by the usual rules.
//!
//! Parsing runs only when a value holds a tag or a markup `data:` URL ([`cobrowse_protocol::markup`] finds
//! them without touching the DOM), so ordinary pages pay one scan of each value.

use crate::dom;
use crate::tree::mask::{self, Mask, Masking};
use cobrowse_protocol::markup::{self, MarkupType};
use cobrowse_protocol::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::{DomParser, Element, HtmlTemplateElement, Node, SupportedType};

/// The elements whose children are never sent: their content is raw text the visitor does not see (or
/// code). `tag` is the local name (lower case for HTML).
pub fn lists_children(element: &Element, tag: &str) -> bool {
    match tag {
        "script" => false,
        "noscript" | "iframe" | "noembed" | "noframes" => !is_html(element),
        _ => true,
    }
}

/// An attribute as it may be sent: `None` to leave it out, else its value masked as `masking` and the
/// carrier rules say. `read` is not called when the value is masked by name.
///
/// `masking` says how the element is masked; it is asked only when the answer matters (a content-carrying
/// attribute, or a value holding markup), since working it out costs a walk up the tree in a delta.
pub fn attribute(mask: &Mask, name: &str, masking: &dyn Fn() -> Masking, read: &dyn Fn() -> String) -> Option<Value> {
    if is_left_out(name) {
        return None;
    }
    if mask::carries_content(name) && masking().masks() {
        return Some(Value::Masked);
    }
    let value = read();
    if !may_hold_a_carrier(&value) {
        return Some(Value::Plain(value));
    }
    let is_url = markup::is_url_attribute(name);
    if let Some(scheme) = is_url.then(|| markup::script_url_scheme(&value)).flatten() {
        return Some(Value::Plain(scheme.into()));
    }
    let value = without_hiding_data_urls(mask, value, masking);
    if !is_url && markup::looks_like_markup(&value) && hides(mask, &value, MarkupType::Html, masking()) {
        return Some(Value::Masked);
    }
    Some(Value::Plain(value))
}

/// Whether a value may hold a script URL or a `data:` URL (both need a `:`) or a tag (a `<`): most values
/// hold neither, and are sent without the checks (the name lists, two scans of the value).
fn may_hold_a_carrier(value: &str) -> bool {
    value.bytes().any(|byte| byte == b':' || byte == b'<')
}

/// Whether an attribute is never sent at all: `srcdoc` and `on*` handlers, in any letter case.
pub fn is_left_out(name: &str) -> bool {
    name.eq_ignore_ascii_case("srcdoc") || markup::starts_with_ignoring_case(name.as_bytes(), b"on")
}

/// A text node's value as it may be sent (its masking is `masking`); `read` is not called when masked, nor
/// `node` (the text node, for its parent) unless the text looks like markup.
pub fn text(mask: &Mask, node: &dyn Fn() -> Node, masking: Masking, read: &dyn Fn() -> String) -> Value {
    if masking.masks() {
        return Value::Masked;
    }
    let text = read();
    if !may_hold_a_carrier(&text) {
        return Value::Plain(text);
    }
    let text = without_hiding_data_urls(mask, text, &|| masking);
    if markup::looks_like_markup(&text) && is_in_raw_text(&node()) && hides(mask, &text, MarkupType::Html, masking) {
        return Value::Masked;
    }
    Value::Plain(text)
}

/// CSS text (a stylesheet's rule) as it may be sent, for an owner whose masking is `masking`.
pub fn css(mask: &Mask, rule: String, masking: Masking) -> String {
    without_hiding_data_urls(mask, rule, &|| masking)
}

/// Whether an uploaded asset's bytes may leave: markup (SVG, HTML, XML) only if nothing in it would be
/// masked; a stylesheet is returned with its hiding `data:` URLs emptied. `None`: not to be sent.
pub fn asset(mask: &Mask, mime: &str, bytes: Vec<u8>, masking: Masking) -> Option<Vec<u8>> {
    let markup_type = markup::markup_type_of(mime);
    let is_css = mime.as_bytes().trim_ascii().starts_with(b"text/css");
    if markup_type.is_none() && !is_css {
        return Some(bytes);
    }
    let text = String::from_utf8(bytes).ok()?;
    match markup_type {
        Some((markup_type, _)) => (!hides(mask, &text, markup_type, masking)).then(|| text.into_bytes()),
        None => Some(css(mask, text, masking).into_bytes()),
    }
}

/// `value` with every markup `data:` URL that must not leave replaced: an HTML or XHTML document by its
/// bare header (`data:text/html,`), an image whose markup would have something masked by `data:,`.
fn without_hiding_data_urls(mask: &Mask, value: String, masking: &dyn Fn() -> Masking) -> String {
    let found = markup::markup_data_urls(&value);
    if found.is_empty() {
        return value;
    }
    let mut out = String::with_capacity(value.len());
    let mut copied = 0;
    for url in found {
        let text = value.get(url.range.clone()).unwrap_or_default();
        let replacement = if url.is_document {
            let header = text.bytes().position(|b| b == b',').and_then(|comma| text.get(..=comma));
            header.unwrap_or("data:,")
        } else if markup::decode_data_url(text).is_none_or(|markup| hides(mask, &markup, url.markup, masking())) {
            "data:,"
        } else {
            continue;
        };
        out.push_str(value.get(copied..url.range.start).unwrap_or_default());
        out.push_str(replacement);
        copied = url.range.end;
    }
    out.push_str(value.get(copied..).unwrap_or_default());
    out
}

/// Whether `markup`, parsed as `markup_type` and walked with the page's masking rules from `outer` (the
/// masking of whatever holds it), has anything those rules would mask or block. Markup that cannot be
/// parsed counts as hiding something, and so does markup nested in it (an attribute holding markup, an
/// `<xmp>` holding markup, a markup `data:` URL, a `<template>` with content): it is not parsed again.
fn hides(mask: &Mask, markup: &str, markup_type: MarkupType, outer: Masking) -> bool {
    let parsed = DomParser::new().and_then(|parser| {
        let supported = match markup_type {
            MarkupType::Html => SupportedType::TextHtml,
            MarkupType::Xml => SupportedType::ApplicationXml,
        };
        parser.parse_from_string(markup, supported)
    });
    let Ok(document) = parsed else { return true };
    // An XML document that failed to parse holds a `<parsererror>` (the browser would show it instead).
    let broken = markup_type == MarkupType::Xml && dom::elements_by_tag(&document, "parsererror").next().is_some();
    broken || subtree_hides(mask, &document, outer)
}

/// Whether anything under `parent` (whose masking is `masking`) would be masked or blocked.
fn subtree_hides(mask: &Mask, parent: &Node, masking: Masking) -> bool {
    let mut child = parent.first_child();
    while let Some(node) = child {
        let hidden = match node.node_type() {
            Node::ELEMENT_NODE => element_hides(mask, node.unchecked_ref(), masking),
            Node::TEXT_NODE | Node::CDATA_SECTION_NODE => {
                let text = node.node_value().unwrap_or_default();
                let nested = markup::looks_like_markup(&text) && is_in_raw_text(&node);
                !text.trim_ascii().is_empty()
                    && (masking.masks() || nested || !markup::markup_data_urls(&text).is_empty())
            }
            _ => false,
        };
        if hidden {
            return true;
        }
        child = node.next_sibling();
    }
    false
}

fn element_hides(mask: &Mask, element: &Element, parent: Masking) -> bool {
    let masking = mask.element_masking(element, &element.local_name(), parent);
    if masking == Masking::Ignored {
        return false;
    }
    let attributes = element.attributes();
    let attribute_hides = dom::items::<JsValue>(&attributes).any(|attribute| {
        let value = dom::value_of(&attribute);
        (masking.masks() && !value.is_empty() && mask::carries_content(&dom::name_of(&attribute)))
            || holds_markup(&value)
    });
    let template_content =
        element.dyn_ref::<HtmlTemplateElement>().is_some_and(|template| template.content().has_child_nodes());
    masking == Masking::Blocked || attribute_hides || template_content || subtree_hides(mask, element, masking)
}

/// Whether a string inside parsed markup holds markup again (a tag, or a markup `data:` URL).
fn holds_markup(text: &str) -> bool {
    markup::looks_like_markup(text) || !markup::markup_data_urls(text).is_empty()
}

/// Whether the text node is the content of an `<xmp>` or `<plaintext>`: markup shown as text.
fn is_in_raw_text(node: &Node) -> bool {
    node.parent_element().is_some_and(|parent| {
        let tag = parent.local_name();
        (tag.eq_ignore_ascii_case("xmp") || tag.eq_ignore_ascii_case("plaintext")) && is_html(&parent)
    })
}

fn is_html(element: &Element) -> bool {
    element.namespace_uri().as_deref() == Some("http://www.w3.org/1999/xhtml")
}
