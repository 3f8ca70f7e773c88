//! Setting and removing a visitor's attribute on a mirror element: sanitized, masked, namespaced, mapped.
//!
//! Every attribute, from a snapshot or from a delta, goes through [`set`], so the sanitizing rules cannot
//! be skipped by one path. Prefixed names (`xlink:href`, `xml:lang`, `xmlns:x`) are set in their
//! namespace, as the parser would have: SVG honours `xlink:href` only there. An iframe's `src` and
//! `sandbox` are kept under other names (see `sanitize::mirror_attribute_name`), and a URL the visitor
//! uploaded is replaced by the relay's copy (see `assets.rs`).

use crate::assets::Assets;
use crate::dom::{XLINK_NS, XMLNS_NS, XML_NS};
use crate::sanitize;
use crate::state::mask;
use cobrowse_protocol::{Value, MASK_TEXT};
use web_sys::Element;

/// Sets the visitor's attribute `name` on `element`; if the sanitizing rules leave the new value out, the
/// attribute goes (its old value is stale). A masked value shows [`MASK_TEXT`] and marks the element.
/// Returns whether the attribute was set.
pub fn set(element: &Element, name: &str, value: &Value, assets: &Assets) -> bool {
    set_on(element, &element.local_name(), name, value, assets)
}

/// [`set`] on an element whose local name the caller asked once already (`tag`): the builder sets all of an
/// element's attributes, and asking is a call into the DOM and a string copied back.
pub fn set_on(element: &Element, tag: &str, name: &str, value: &Value, assets: &Assets) -> bool {
    let name = sanitize::mirror_attribute_name(tag, name);
    let Some(shown) = sanitize::attribute(tag, name, value.shown(MASK_TEXT)) else {
        remove(element, name);
        return false;
    };
    let shown = assets.substitute(element, tag, name, shown);
    if *value == Value::Masked {
        mask::mark(element);
    }
    let result = match namespace_of(name) {
        Some(namespace) => element.set_attribute_ns(Some(namespace), name, &shown),
        // A name the DOM rejects (the HTML parser accepts more than `setAttribute` does) is left out.
        None => element.set_attribute(name, &shown),
    };
    result.is_ok()
}

/// Removes the visitor's attribute `name` from `element`; the viewer's own markers stay.
pub fn remove(element: &Element, name: &str) {
    let name = sanitize::mirror_attribute_name(&element.local_name(), name);
    if sanitize::may_remove(name) {
        let _ = element.remove_attribute(name);
    }
}

fn namespace_of(name: &str) -> Option<&'static str> {
    if name == "xmlns" || name.starts_with("xmlns:") {
        Some(XMLNS_NS)
    } else if name.starts_with("xlink:") {
        Some(XLINK_NS)
    } else if name.starts_with("xml:") {
        Some(XML_NS)
    } else {
        None
    }
}
