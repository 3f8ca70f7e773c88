//! Describe: what one DOM node holds, read in one call into JS (`visitor-wasm/js/describe.js`).
//!
//! Why: a call from wasm into JS costs far more than the getter it runs, and a string returned costs a
//! copy into the wasm's memory besides. Asked getter by getter, the snapshot paid about eight calls per
//! element (type, `instanceof`, tag, the masking selectors, the shadow root, the attribute list, its
//! length) and three per attribute (item, name, value), and one more for its id (`WeakMap.set`); now it
//! pays one, returning one string, which also sets a new node's id, plus the walk's `firstChild` and
//! `nextSibling`.
//!
//! Masking stays in the wasm: the helper only reads. It reads content (attribute values, text) only when
//! the caller says none of it can be masked (`content`), and never an input's, textarea's or select's
//! attributes, nor those of an element the masking selectors match: the serializer reads those one by one,
//! lazily, as before, so masked content still never reaches the wasm's memory.

use cobrowse_protocol::Namespace;
use js_sys::JsString;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Node};

#[wasm_bindgen(module = "/js/describe.js")]
extern "C" {
    /// See `js/describe.js` for the string's format.
    #[wasm_bindgen(js_name = describe)]
    fn describe_in_js(
        node: &Node,
        flagged: &JsString,
        content: bool,
        ids: &JsValue,
        id: f64,
        scrolled: &JsValue,
    ) -> String;

    /// The attributes of an element whose masking masks nothing, read in one call (for each, NUL, its name,
    /// NUL, its value, in the DOM's order), for an element whose attributes [`describe`] left out; `None`
    /// where they must be read one by one (a value holding a NUL, a name `getAttribute` cannot find). See
    /// `js/describe.js`.
    #[wasm_bindgen(js_name = attributesOf)]
    pub fn unmasked_attributes(element: &Element) -> Option<String>;
}

/// The element's flags, as `describe.js` sets them.
const THIS_REALM_HTML: u8 = 1;
const FLAGGED: u8 = 2;
const OPEN_SHADOW_ROOT: u8 = 4;
const ATTRIBUTES_LEFT_OUT: u8 = 8;
const SVG: u8 = 16;
const HTML: u8 = 32;
const SCROLLED: u8 = 64;

/// What a node holds, as far as the serializer needs it.
pub enum Described {
    Element(DescribedElement),
    /// A text or CDATA node, with its text if content was asked for.
    Text(Option<String>),
    Comment,
    Doctype,
    /// A node the mirror does not rebuild.
    Other,
}

/// An element: its tag and flags, and its attributes when they were read.
pub struct DescribedElement {
    flags: u8,
    /// The local name, then the attributes (NUL, name, NUL, value, ...).
    text: String,
    tag_end: usize,
}

/// Describes `node`. `flagged` is the masking rules' selector of elements with their own masking;
/// `content` says whether attribute values and text may be read (nothing of them can be masked). With
/// `preset` not 0, a node the mirror rebuilds is also given that value in the id map `ids` (see
/// [`Ids::preset`](crate::tree::ids::Ids::preset)). `scrolled`: the set of elements whose scroll offsets
/// are read ([`Recorder::scroll_watch`](crate::recorder::Recorder::scroll_watch)), `undefined` for all.
///
/// The string is taken apart without slicing by index (`pop`, `get`): an index that could panic
/// would bring core's panic messages and Unicode tables into the download.
pub fn describe(
    node: &Node,
    flagged: &JsString,
    content: bool,
    ids: &JsValue,
    preset: f64,
    scrolled: &JsValue,
) -> Described {
    let mut text = describe_in_js(node, flagged, content, ids, preset, scrolled);
    match text.pop() {
        Some('1') => Described::Text(content.then_some(text)),
        Some('2') => Described::Comment,
        Some('3') => Described::Doctype,
        Some(code @ '\u{40}'..='\u{bf}') => {
            let flags = code as u8 - 64;
            let tag_end = text.bytes().position(|byte| byte == 0).unwrap_or(text.len());
            if flags & THIS_REALM_HTML != 0 {
                text.get_mut(..tag_end).map(str::make_ascii_lowercase); // an HTML element's tag, sent lower case
            }
            Described::Element(DescribedElement { flags, text, tag_end })
        }
        _ => Described::Other,
    }
}

impl DescribedElement {
    /// The tag as the serializer sends it (lower case for an HTML element of this realm).
    pub fn tag(&self) -> &str {
        self.text.get(..self.tag_end).unwrap_or_default()
    }

    /// The tag, as [`DescribedElement::tag`], keeping the string `describe.js` returned (cut to the tag): one
    /// allocation and copy fewer for every element. Take the attributes first.
    pub fn into_tag(mut self) -> String {
        self.text.truncate(self.tag_end);
        self.text
    }

    /// The namespace, if the helper knew it (`None`: ask the element).
    pub fn namespace(&self) -> Option<Namespace> {
        if self.has(THIS_REALM_HTML) || self.has(HTML) {
            Some(Namespace::Html)
        } else if self.has(SVG) {
            Some(Namespace::Svg)
        } else {
            None
        }
    }

    /// Whether the element matches the masking rules' `flagged` selector (or the match threw).
    pub fn is_flagged(&self) -> bool {
        self.has(FLAGGED)
    }

    /// Whether the element is scrolled away from its origin.
    pub fn is_scrolled(&self) -> bool {
        self.has(SCROLLED)
    }

    /// Whether the element has an open shadow root.
    pub fn has_shadow_root(&self) -> bool {
        self.has(OPEN_SHADOW_ROOT)
    }

    /// The attributes as read, if they were: for each, NUL, its name, NUL, its value, in the DOM's order.
    pub fn attributes(&self) -> Option<&str> {
        self.text.get(self.tag_end..).filter(|_| !self.has(ATTRIBUTES_LEFT_OUT))
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}
