//! What never reaches the mirror: scripts, event handlers, script URLs, refreshes and the visitor's `<base>`.
//!
//! The mirror iframe is sandboxed without `allow-scripts`, but the sandbox is the second wall, not the
//! first: everything the visitor sends passes through these rules before it becomes a DOM node or an
//! attribute, on a snapshot and on every delta alike. The functions here are pure (strings in, decisions
//! out), so the rules can be read and tested on their own. An iframe's `src` and `sandbox` are kept under
//! the viewer's own names ([`mirror_attribute_name`]): the mirror's iframe loads nothing of the visitor's.

use crate::dom::{self, PLACEHOLDER_MARKER, SANDBOX_ATTRIBUTE, SRC_ATTRIBUTE, VIEWER_MARKER};
use cobrowse_protocol::{markup, Namespace};
use std::borrow::Cow;

/// Elements that never become themselves in the mirror; an inert `<template>` stands in their place and
/// keeps their node id, so later events addressing them (or their children) still find a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inert {
    /// `<script>`, HTML or SVG: it must not run.
    Script,
    /// `<noscript>`: in a scriptless iframe its content would render (tracking pixels included).
    Noscript,
}

impl Inert {
    /// The value of [`PLACEHOLDER_MARKER`] on the placeholder.
    pub fn marker_value(self) -> &'static str {
        match self {
            Inert::Script => "script",
            Inert::Noscript => "noscript",
        }
    }
}

/// Attributes the viewer itself puts on mirror nodes; a visitor's copy of them is dropped so they stay truthful.
const VIEWER_MARKERS: [&str; 2] = [VIEWER_MARKER, PLACEHOLDER_MARKER];

/// `<meta http-equiv>` values that would act in the mirror: navigate it, set cookies on the viewer's
/// origin, or put the visitor's content policy (whose `'self'` means the viewer) on it.
const ACTIVE_HTTP_EQUIV: [&str; 3] = ["refresh", "set-cookie", "content-security-policy"];

/// SVG animation attributes that can animate another attribute (an `href`) to a script URL.
const ANIMATION_VALUE_ATTRIBUTES: [&str; 4] = ["values", "to", "from", "by"];

/// URL schemes (and `data:` types) that run script or show a script-capable document.
const SCRIPT_URL_PREFIXES: [&str; 4] = ["javascript:", "vbscript:", "data:text/html", "data:application/xhtml+xml"];

/// Whether an element of this tag and namespace is replaced by an inert placeholder.
pub fn inert_kind(tag: &str, namespace: &Namespace) -> Option<Inert> {
    // A prefixed tag outside HTML (`x:script`) is created with its prefix split off: judged by what follows
    // (an HTML one keeps its colon, see `build/node.rs`).
    let tag = match namespace {
        Namespace::Html => tag,
        _ => tag.rsplit_once(':').map_or(tag, |(_prefix, local)| local),
    };
    if tag.eq_ignore_ascii_case("script") {
        return Some(Inert::Script);
    }
    if tag.eq_ignore_ascii_case("noscript") && *namespace == Namespace::Html {
        return Some(Inert::Noscript);
    }
    None
}

/// The value an attribute gets in the mirror, or `None` to leave it out.
///
/// `tag` is the element's local name. A script URL in a link's `href` becomes `#` (the element stays a
/// link, going nowhere); in any other URL attribute the attribute is dropped (a `<link href="#">` would
/// still fetch something).
///
/// The visitor's `<base href>` is kept (sanitized like any link): the viewer's own `<base>` comes first in
/// the head, so it wins (see `injected.rs`).
pub fn attribute<'a>(tag: &str, name: &str, value: &'a str) -> Option<Cow<'a, str>> {
    let name = name.to_ascii_lowercase();
    if is_dropped_by_name(&name) || is_active_http_equiv(tag, &name, value) {
        return None;
    }
    if markup::is_url_attribute(&name) && is_script_url(value) {
        return is_link_href(tag, &name).then_some(Cow::Borrowed("#"));
    }
    if ANIMATION_VALUE_ATTRIBUTES.contains(&name.as_str()) && contains_script_url(value) {
        return None;
    }
    Some(Cow::Borrowed(value))
}

/// The name under which the mirror keeps the visitor's attribute `name` of a `tag` element: an iframe's
/// `src` and `sandbox` are renamed, so the mirror's iframe loads nothing and its document stays readable.
pub fn mirror_attribute_name<'a>(tag: &str, name: &'a str) -> &'a str {
    if !dom::is_iframe_tag(tag) {
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

/// Whether removing this attribute is the visitor's business: the viewer's own markers are left alone.
pub fn may_remove(name: &str) -> bool {
    !VIEWER_MARKERS.contains(&name.to_ascii_lowercase().as_str())
}

fn is_dropped_by_name(name: &str) -> bool {
    name.starts_with("on") || name == "srcdoc" || VIEWER_MARKERS.contains(&name)
}

fn is_active_http_equiv(tag: &str, name: &str, value: &str) -> bool {
    tag.eq_ignore_ascii_case("meta")
        && name == "http-equiv"
        && ACTIVE_HTTP_EQUIV.contains(&value.trim().to_ascii_lowercase().as_str())
}

fn is_link_href(tag: &str, name: &str) -> bool {
    name.ends_with("href") && dom::is_link_tag(tag)
}

/// Whether a URL would run script when loaded or followed, as a browser parses it: ASCII whitespace and
/// control characters anywhere and letter case do not hide the scheme.
pub fn is_script_url(value: &str) -> bool {
    let normalized = normalize_url(value);
    SCRIPT_URL_PREFIXES.iter().any(|prefix| normalized.starts_with(prefix))
}

fn contains_script_url(value: &str) -> bool {
    let normalized = normalize_url(value);
    SCRIPT_URL_PREFIXES.iter().any(|prefix| normalized.contains(prefix))
}

fn normalize_url(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_control() && *c != ' ').map(|c| c.to_ascii_lowercase()).collect()
}

/// The markup that gives a fresh mirror document the visitor's rendering mode (standards, limited-quirks
/// or quirks): the doctype alone, with any character that could end it or start markup removed.
pub fn doctype_markup(name: &str, public_id: &str, system_id: &str) -> String {
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.:".contains(*c)).collect();
    let quoted = |id: &str| -> String { id.chars().filter(|c| !"\"'<>".contains(*c)).collect() };
    let name = if name.is_empty() { "html".to_string() } else { name };
    match (public_id.is_empty(), system_id.is_empty()) {
        (true, true) => format!("<!DOCTYPE {name}>"),
        (true, false) => format!("<!DOCTYPE {name} SYSTEM \"{}\">", quoted(system_id)),
        (false, true) => format!("<!DOCTYPE {name} PUBLIC \"{}\">", quoted(public_id)),
        (false, false) => format!("<!DOCTYPE {name} PUBLIC \"{}\" \"{}\">", quoted(public_id), quoted(system_id)),
    }
}
