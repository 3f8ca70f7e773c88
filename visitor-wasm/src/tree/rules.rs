//! The site's masking rules ([`MaskingRules`], sent by the relay when the session starts), compiled into
//! the selectors [`Mask`](super::mask::Mask) checks every element against.
//!
//! Why compiled once: the check runs for every element of every snapshot and new subtree, so the selectors
//! are joined into a few lists and kept as JS strings, which cost no copy out of the wasm's memory per call.
//! Rules the browser rejects (an invalid selector) are refused as a whole, naming the selector, before
//! anything of the page is read.

use crate::dom::{self, IGNORE_ATTRIBUTE};
use cobrowse_protocol::MaskingRules;
use js_sys::JsString;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// The elements whose markup masks their subtree, whatever the site's rules.
const MASK_MARKERS: &str = "[data-cobrowse-mask],[glance_masked=\"true\" i],.cobrowse-mask";

#[wasm_bindgen]
extern "C" {
    /// `Element.matches` with selectors that already are a JS string: the check runs for every element, and
    /// a `&str` would be copied out of the wasm's memory and decoded on every call.
    #[wasm_bindgen(js_name = Element)]
    type Selectable;
    #[wasm_bindgen(method, catch, js_class = Element)]
    fn matches(this: &Selectable, selectors: &JsString) -> Result<bool, JsValue>;
}

/// `element.matches(selectors)`.
pub fn matches(element: &Element, selectors: &JsString) -> Result<bool, JsValue> {
    element.unchecked_ref::<Selectable>().matches(selectors)
}

/// The site's rules, as selectors ready for `Element.matches`.
pub struct Rules {
    /// Everything that gives an element its own masking: ignore, block and mask markers and selectors, in
    /// one selector because most elements match none and the check runs for every element.
    pub flagged: JsString,
    /// The mask markers and selectors, matched by the element or an ancestor in its tree: `closest` as one
    /// selector, which spares the download a binding of its own.
    pub masked_here_or_above: JsString,
    pub block: JsString,
    /// Whether every mask selector decides on the element's own name and attributes alone (see
    /// [`on_own_markup`]): the built-in markers do, and so do the site's selectors with no combinator and
    /// no pseudo-class.
    pub mask_on_own_markup: bool,
    pub unmask: Option<JsString>,
    pub mask_all_inputs: bool,
    pub mask_all_text: bool,
}

impl Default for Rules {
    /// The built-in markers alone.
    fn default() -> Self {
        Self::new(&MaskingRules::default())
    }
}

impl Rules {
    fn new(rules: &MaskingRules) -> Self {
        let list = |builtin: &str, configured: &[String]| {
            configured.iter().fold(builtin.to_string(), |list, selector| list + "," + selector)
        };
        let mask = list(MASK_MARKERS, &rules.mask_selectors);
        let block = list("[data-cobrowse-block]", &rules.block_selectors);
        let unmask = rules.unmask_selectors.split_first().map(|(first, rest)| list(first, rest).as_str().into());
        let flagged = ["[", IGNORE_ATTRIBUTE, "],", &mask, ",", &block].concat().as_str().into();
        let block = block.as_str().into();
        Self {
            flagged,
            masked_here_or_above: [&mask, ",:is(", &mask, ") *"].concat().as_str().into(),
            block,
            mask_on_own_markup: rules.mask_selectors.iter().all(|selector| on_own_markup(selector)),
            unmask,
            mask_all_inputs: rules.mask_all_inputs,
            mask_all_text: rules.mask_all_text,
        }
    }

    /// A site's rules, checked on `document`. Fails, naming the selector, if the browser rejects one of them
    /// (or the document has no element to check them on).
    pub fn checked(document: &Document, rules: &MaskingRules) -> Result<Self, String> {
        let probe = dom::root_element(document);
        for selectors in [&rules.mask_selectors, &rules.block_selectors, &rules.unmask_selectors] {
            for selector in selectors {
                if probe.as_ref().is_none_or(|probe| matches(probe, &JsString::from(selector.as_str())).is_err()) {
                    let message = ["Cobrowse cannot start: the masking selector `", selector, "` is not valid CSS."];
                    return Err(message.concat());
                }
            }
        }
        Ok(Self::new(rules))
    }

    /// Whether a mask-all mode is on.
    pub fn mask_all(&self) -> bool {
        self.mask_all_inputs || self.mask_all_text
    }
}

/// Whether `selectors` (a list the browser accepts) decide on the element's own name and attributes alone:
/// each is a compound selector of names, `*`, ids, classes and attribute selectors, with no combinator, no
/// pseudo-class, no namespace on a tag and no escape outside a quoted value. Whether an element matches
/// then changes only with its own attributes, and every such change makes a mutation record on it (the
/// observer watches every attribute of the document's elements). Answers `false` for whatever it does not
/// know: the cost is only a `matches` more per changed text or content-carrying attribute.
pub fn on_own_markup(selectors: &str) -> bool {
    let (mut in_brackets, mut quote, mut escaped) = (false, 0, false);
    // Whitespace is allowed around the commas of a list alone: elsewhere it is a descendant combinator.
    let (mut in_part, mut space_after) = (false, false);
    // Bytes, not chars: a byte outside ASCII is refused where it matters, and bytes cost no decoding.
    for byte in selectors.bytes() {
        if quote != 0 {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                _ if byte == quote => quote = 0,
                _ => {}
            }
        } else if in_brackets {
            match byte {
                b'"' | b'\'' => quote = byte,
                b']' => in_brackets = false,
                b'\\' => return false,
                _ => {}
            }
        } else if byte.is_ascii_whitespace() {
            space_after = in_part;
        } else if byte == b',' {
            (in_part, space_after) = (false, false);
        } else if space_after
            || !(byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'#' | b'*' | b'['))
        {
            return false;
        } else {
            in_part = true;
            in_brackets = byte == b'[';
        }
    }
    !in_brackets && quote == 0
}
