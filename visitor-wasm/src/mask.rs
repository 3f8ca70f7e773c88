//! Masking: what of the page must never leave the visitor's browser, decided before anything is serialized.
//!
//! A *masked subtree* starts at an element with the attribute `data-cobrowse-mask`, the class
//! `cobrowse-mask`, or at a secret input (`type=password`, `hidden` or `file`). Inside it:
//! - form values become [`Value::Masked`];
//! - text nodes become [`Value::Masked`], comments become empty;
//! - content-carrying attributes ([`carries_content`]) become [`Value::Masked`].
//!
//! Masked content is not even read into the wasm's memory: the helpers take a closure that reads the
//! value only when it may be sent. `Value::Masked` carries no length. Every path that serializes
//! (snapshot, new subtrees, attribute, text and form events) goes through the functions here, so the rules
//! are applied once, the same way.
//!
//! An input that has been a password field once stays masked even if a "show password" button turns it
//! into a text field: its value is still the password.

use cobrowse_protocol::Value;
use js_sys::WeakSet;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, Node};

/// The attribute a site puts on an element to mask it and its descendants.
pub const MASK_ATTRIBUTE: &str = "data-cobrowse-mask";
/// The class a site puts on an element to mask it and its descendants.
pub const MASK_CLASS: &str = "cobrowse-mask";
/// The elements whose attribute or class masks their subtree.
pub const MASK_SELECTOR: &str = "[data-cobrowse-mask],.cobrowse-mask";

thread_local! {
    /// Inputs seen with `type=password`: they stay masked whatever their type becomes.
    static PASSWORD_INPUTS: WeakSet<HtmlInputElement> = WeakSet::new_typed();
}

/// Whether `node` (an element, text or comment) is inside a masked subtree, looking at its ancestors.
pub fn is_masked(node: &Node) -> bool {
    let element = match node.dyn_ref::<Element>() {
        Some(element) => Some(element.clone()),
        None => node.parent_element(),
    };
    element.is_some_and(|element| is_secret_input(&element) || matches!(element.closest(MASK_SELECTOR), Ok(Some(_))))
}

/// Whether `node` is masked, given whether its parent is: the answer of [`is_masked`] without walking up
/// the ancestors again.
pub fn is_masked_child(node: &Node, parent_masked: bool) -> bool {
    parent_masked || node.dyn_ref::<Element>().is_some_and(starts_masked_subtree)
}

/// Whether the element's own attribute, class or type masks it and its subtree.
fn starts_masked_subtree(element: &Element) -> bool {
    is_secret_input(element) || element.matches(MASK_SELECTOR).unwrap_or(false)
}

/// A password (now or ever), hidden or file input: its value is never shared. It masks its own subtree.
pub fn is_secret_input(element: &Element) -> bool {
    let Some(input) = element.dyn_ref::<HtmlInputElement>() else { return false };
    PASSWORD_INPUTS.with(|seen| match input.type_().as_str() {
        "password" => {
            seen.add(input);
            true
        }
        "hidden" | "file" => true,
        _ => seen.has(input),
    })
}

/// Whether an attribute's value is page content that masking hides (as opposed to structure or style).
pub fn carries_content(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "value" | "placeholder" | "title" | "alt" | "label" | "aria-label" | "aria-description"
            | "aria-valuetext" | "aria-placeholder"
    ) || (name.starts_with("data-") && !name.starts_with("data-cobrowse-"))
}

/// An attribute's value as it may be sent; `read` is not even called when the value is masked.
pub fn attribute_value(name: &str, masked: bool, read: impl FnOnce() -> String) -> Value {
    text_value(masked && carries_content(name), read)
}

/// A text node's or form control's value as it may be sent; `read` is not called when it is masked.
pub fn text_value(masked: bool, read: impl FnOnce() -> String) -> Value {
    if masked {
        Value::Masked
    } else {
        Value::Plain(read())
    }
}

/// A comment's text as it may be sent: nothing of it inside a masked subtree.
pub fn comment_text(masked: bool, read: impl FnOnce() -> String) -> String {
    if masked {
        String::new()
    } else {
        read()
    }
}
